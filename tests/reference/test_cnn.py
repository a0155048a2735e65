"""reference/cnn.py against PyTorch's own conv and pooling, and the NumPy solution against it."""
import pytest
import torch
import torch.nn.functional as F

from reference import cnn
from tests.reference.course_cases import device_mismatches, mismatches

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)

# (N, Cin, H, W), (Cout, kH, kW), stride, padding: multi-channel, non-square, strides 1-3, padding 0-2.
CONV_SHAPES = [
    ((1, 1, 3, 3), (1, 2, 2), 1, 0),
    ((2, 3, 5, 5), (4, 3, 3), 1, 1),
    ((2, 2, 7, 6), (3, 3, 2), 2, 2),
    ((2, 2, 6, 9), (2, 2, 3), 2, 0),
    ((3, 2, 7, 7), (2, 3, 3), 3, 1),
    ((1, 3, 4, 8), (5, 1, 1), 1, 2),
]


def _dot(a, b):
    return (a * b).sum()


@pytest.mark.parametrize("xshape, wshape, stride, padding", CONV_SHAPES)
def test_conv2d_forward_and_backward(xshape, wshape, stride, padding):
    x = torch.randn(xshape, **f64)
    W = torch.randn((wshape[0], xshape[1]) + wshape[1:], **f64)
    b = torch.randn(wshape[0], **f64)
    out = cnn.conv2d_forward(x, W, b, stride, padding)
    torch.testing.assert_close(out, torch.nn.functional.conv2d(x, W, b, stride, padding))

    g = torch.randn_like(out)
    dx, dW, db = cnn.conv2d_backward(x, W, b, g, stride, padding)
    torch.testing.assert_close(dx, torch.nn.grad.conv2d_input(x.shape, W, g, stride, padding))
    torch.testing.assert_close(dW, torch.nn.grad.conv2d_weight(x, W.shape, g, stride, padding))
    torch.testing.assert_close(db, g.sum(dim=(0, 2, 3)))
    # Adjoint identities of the (bilinear) convolution: <conv(x', W), g> = <x', dx> etc.
    x2, W2 = torch.randn_like(x), torch.randn_like(W)
    zero = torch.zeros_like(b)
    torch.testing.assert_close(_dot(F.conv2d(x2, W, zero, stride, padding), g), _dot(x2, dx))
    torch.testing.assert_close(_dot(F.conv2d(x, W2, zero, stride, padding), g), _dot(W2, dW))
    assert x.grad is None and W.grad is None and b.grad is None   # caller's tensors untouched


def _first_max_backward(x, grad_out, kernel, stride):
    """Max-pool backward written out: each gradient to the window's first maximum (row-major)."""
    stride = stride or kernel
    dx = torch.zeros_like(x)
    N, C, Ho, Wo = grad_out.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * stride:i * stride + kernel, j * stride:j * stride + kernel]
                    flat = win.reshape(-1).tolist()
                    p, q = divmod(flat.index(max(flat)), kernel)
                    dx[n, c, i * stride + p, j * stride + q] += grad_out[n, c, i, j]
    return dx


POOL_SHAPES = [((1, 1, 4, 4), 2, None), ((2, 3, 6, 6), 2, None), ((1, 2, 5, 7), 2, None),
               ((2, 2, 5, 7), 3, 2), ((1, 2, 5, 5), 2, 1), ((1, 2, 7, 7), 2, 3)]


@pytest.mark.parametrize("shape, kernel, stride", POOL_SHAPES)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d(shape, kernel, stride, ties):
    # Integer values from {0, 1, 2} make tied maxima in most windows.
    x = torch.randint(0, 3, shape).double() if ties else torch.randn(shape, **f64)
    out = cnn.max_pool2d_forward(x, kernel, stride)
    torch.testing.assert_close(out, F.max_pool2d(x, kernel, stride))
    g = torch.randn_like(out)
    torch.testing.assert_close(cnn.max_pool2d_backward(x, g, kernel, stride),
                               _first_max_backward(x, g, kernel, stride))


def test_max_pool2d_backward_tie_goes_to_first_max():
    x = torch.tensor([[[[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 1]]]], **f64)
    g = torch.tensor([[[[1, 2], [3, 4]]]], **f64)
    want = torch.tensor([[[[0, 0, 2, 0], [1, 0, 0, 0], [0, 0, 0, 0], [3, 0, 4, 0]]]], **f64)
    torch.testing.assert_close(cnn.max_pool2d_backward(x, g, 2), want)
    ones = torch.ones(1, 1, 5, 5, **f64)
    dx = cnn.max_pool2d_backward(ones, torch.tensor([[[[1, 10], [100, 1000]]]], **f64), 3, 2)
    want = torch.zeros_like(ones)
    want[0, 0, 0, 0], want[0, 0, 0, 2], want[0, 0, 2, 0], want[0, 0, 2, 2] = 1, 10, 100, 1000
    torch.testing.assert_close(dx, want)


@pytest.mark.parametrize("shape, kernel, stride", POOL_SHAPES)
def test_avg_pool2d(shape, kernel, stride):
    x = torch.randn(shape, **f64)
    out = cnn.avg_pool2d_forward(x, kernel, stride)
    want = F.avg_pool2d(x, kernel, stride)
    torch.testing.assert_close(out, want)
    g = torch.randn_like(out)
    dx = cnn.avg_pool2d_backward(x, g, kernel, stride)
    # Average pooling is linear: its backward is the adjoint, <pool(x'), g> = <x', dx>.
    x2 = torch.randn_like(x)
    torch.testing.assert_close(_dot(F.avg_pool2d(x2, kernel, stride), g), _dot(x2, dx))


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("07_cnn")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("07_cnn", "cuda")
    # Tie-breaking on CUDA: integer-valued inputs, many tied windows, overlapping or not.
    for shape, kernel, stride in POOL_SHAPES:
        x = torch.randint(0, 3, shape).double()
        g = torch.randn_like(F.max_pool2d(x, kernel, stride))
        on_cuda = cnn.max_pool2d_backward(x.cuda(), g.cuda(), kernel, stride).cpu()
        torch.testing.assert_close(on_cuda, _first_max_backward(x, g, kernel, stride))
