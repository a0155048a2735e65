"""The 04_backprop references against PyTorch's own modules and closed-form gradients."""
import pytest
import torch
import torch.nn.functional as F

from reference import backprop as ref
from tests.reference.course_cases import device_mismatches, mismatches

torch.manual_seed(0)


def _t(*shape, scale=1.0):
    return torch.randn(*shape, dtype=torch.float64) * scale


@pytest.mark.parametrize("shape", [(5,), (2, 3), (1,)])
def test_numerical_gradient_reference_closed_forms(shape):
    x = _t(*shape, scale=2.0)
    cases = {
        "sum_of_squares": 2 * x,
        "sin_sum": torch.cos(x),
        "logsumexp": torch.softmax(x.reshape(-1), 0).reshape(shape),
        "reads_by_reference": 2 * torch.tanh(x) * (1 - torch.tanh(x) ** 2) + x**2,
    }
    for name, want in cases.items():
        got = ref.numerical_gradient(name, x.clone(), 1e-6)
        assert got["x_restored"] is True
        torch.testing.assert_close(got["grad"], want, rtol=1e-12, atol=1e-12)


def test_numerical_gradient_reference_edge_values():
    x = torch.tensor([0.0, -0.0, 1e-300, -50.0, 50.0], dtype=torch.float64)
    got = ref.numerical_gradient("logsumexp", x, 1e-6)["grad"]
    torch.testing.assert_close(got, torch.softmax(x, 0))
    assert torch.isfinite(got).all()


@pytest.mark.parametrize("n,din,dout", [(1, 2, 3), (5, 4, 3), (3, 3, 3)])
def test_dense_reference_matches_nn_linear(n, din, dout):
    W, b, x, g = _t(din, dout), _t(dout), _t(n, din), _t(n, dout)
    got = ref.Dense(W, b, x, g)
    lin = torch.nn.Linear(din, dout, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(W.T)
        lin.bias.copy_(b)
    xx = x.clone().requires_grad_(True)
    out = lin(xx)
    out.backward(g)
    torch.testing.assert_close(got["out"], out.detach())
    torch.testing.assert_close(got["dx"], xx.grad)
    torch.testing.assert_close(got["dW"], lin.weight.grad.T)
    torch.testing.assert_close(got["db"], lin.bias.grad)
    # closed forms
    torch.testing.assert_close(got["dx"], g @ W.T)
    torch.testing.assert_close(got["dW"], x.T @ g)
    torch.testing.assert_close(got["db"], g.sum(0))


@pytest.mark.parametrize("scale", [1.0, 50.0])
def test_mlp_reference_matches_sequential_and_closed_form(scale):
    n, d, h, k = 7, 4, 5, 3
    params = {"W1": _t(d, h), "b1": _t(h), "W2": _t(h, k, scale=scale), "b2": _t(k)}
    x, labels = _t(n, d), torch.randint(0, k, (n,))
    got = ref.mlp_loss_and_grads(params, x, labels)
    net = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, k)).double()
    with torch.no_grad():
        net[0].weight.copy_(params["W1"].T), net[0].bias.copy_(params["b1"])
        net[2].weight.copy_(params["W2"].T), net[2].bias.copy_(params["b2"])
    loss = torch.nn.CrossEntropyLoss()(net(x), labels)
    loss.backward()
    assert torch.isfinite(got["loss"])
    torch.testing.assert_close(got["loss"], loss.detach())
    torch.testing.assert_close(got["dW1"], net[0].weight.grad.T)
    torch.testing.assert_close(got["db1"], net[0].bias.grad)
    torch.testing.assert_close(got["dW2"], net[2].weight.grad.T)
    torch.testing.assert_close(got["db2"], net[2].bias.grad)
    # closed form for the last layer: dz2 = (softmax - onehot) / N
    hid = torch.relu(x @ params["W1"] + params["b1"])
    dz2 = (torch.softmax(hid @ params["W2"] + params["b2"], 1) - F.one_hot(labels, k)) / n
    torch.testing.assert_close(got["dW2"], hid.T @ dz2)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_layer_gradient_norms_reference_matches_sequential(activation):
    d, depth = 4, 6
    x = _t(3, d)
    weights = [_t(d, d) for _ in range(depth)]
    got = ref.layer_gradient_norms(x, weights, activation)["norms"]
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    layers = []
    for W in weights:
        lin = torch.nn.Linear(d, d, bias=False, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(W.T)
        layers += [lin, act()]
    net = torch.nn.Sequential(*layers)
    net(x).sum().backward()
    want = torch.stack([torch.linalg.matrix_norm(m.weight.grad) for m in net if isinstance(m, torch.nn.Linear)])
    torch.testing.assert_close(got, want)
    assert got.shape == (depth,)


def test_sigmoid_norms_vanish_relu_norms_do_not():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 5, dtype=torch.float64, generator=g)
    ws = [torch.randn(5, 5, dtype=torch.float64, generator=g) for _ in range(8)]
    sig = ref.layer_gradient_norms(x, ws, "sigmoid")["norms"]
    relu = ref.layer_gradient_norms(x, [w * (2 / 5) ** 0.5 for w in ws], "relu")["norms"]
    assert sig[0] / sig[-1] < 1e-2
    assert relu[0] / relu[-1] > 1e-2


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("04_backprop", seeds=(0, 1, 2))


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("04_backprop", "cuda")
