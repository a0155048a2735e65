"""reference/rnn.py against torch.nn's RNNCell, LSTMCell, GRUCell and LSTM with the same weights."""
import pytest
import torch
from torch import nn

from reference import rnn
from tests.reference.course_cases import device_mismatches, mismatches

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)
SIZES = [(1, 1, 1), (3, 4, 5), (2, 6, 3)]          # (N, D, H)


def _load(module, W_ih, W_hh, b_ih, b_hh, suffix=""):
    with torch.no_grad():
        getattr(module, "weight_ih" + suffix).copy_(W_ih)
        getattr(module, "weight_hh" + suffix).copy_(W_hh)
        getattr(module, "bias_ih" + suffix).copy_(b_ih)
        getattr(module, "bias_hh" + suffix).copy_(b_hh)
    return module


def _weights(gates, D, H, scale):
    return (scale * torch.randn(gates * H, D, **f64), scale * torch.randn(gates * H, H, **f64),
            torch.randn(gates * H, **f64), torch.randn(gates * H, **f64))


@pytest.mark.parametrize("N, D, H", SIZES)
@pytest.mark.parametrize("scale", [0.5, 4.0])
def test_rnn_cell(N, D, H, scale):
    x, h = scale * torch.randn(N, D, **f64), torch.randn(N, H, **f64)
    weights = _weights(1, D, H, scale)
    cell = _load(nn.RNNCell(D, H, **f64), *weights)
    torch.testing.assert_close(rnn.rnn_cell(x, h, *weights), cell(x, h).detach())


@pytest.mark.parametrize("N, D, H", SIZES)
@pytest.mark.parametrize("scale", [0.5, 4.0])
def test_lstm_cell(N, D, H, scale):
    x, h, c = scale * torch.randn(N, D, **f64), torch.randn(N, H, **f64), torch.randn(N, H, **f64)
    weights = _weights(4, D, H, scale)
    cell = _load(nn.LSTMCell(D, H, **f64), *weights)
    h_want, c_want = cell(x, (h, c))
    h_got, c_got = rnn.lstm_cell(x, h, c, *weights)
    torch.testing.assert_close(h_got, h_want.detach())
    torch.testing.assert_close(c_got, c_want.detach())


@pytest.mark.parametrize("N, D, H", SIZES)
@pytest.mark.parametrize("scale", [0.5, 4.0])
def test_gru_cell(N, D, H, scale):
    x, h = scale * torch.randn(N, D, **f64), torch.randn(N, H, **f64)
    weights = _weights(3, D, H, scale)
    cell = _load(nn.GRUCell(D, H, **f64), *weights)
    torch.testing.assert_close(rnn.gru_cell(x, h, *weights), cell(x, h).detach())


@pytest.mark.parametrize("N, T, D, H", [(1, 1, 1, 1), (1, 3, 2, 2), (2, 5, 3, 4), (4, 7, 2, 3)])
def test_lstm_sequence(N, T, D, H):
    x = torch.randn(N, T, D, **f64)
    h0, c0 = torch.randn(N, H, **f64), torch.randn(N, H, **f64)
    weights = _weights(4, D, H, 0.5)
    lstm = _load(nn.LSTM(D, H, batch_first=True, **f64), *weights, suffix="_l0")
    outputs, (h, c) = lstm(x, (h0[None], c0[None]))
    got = rnn.lstm_sequence(x, h0, c0, *weights)
    torch.testing.assert_close(got["outputs"], outputs.detach())
    torch.testing.assert_close(got["h"], h[0].detach())
    torch.testing.assert_close(got["c"], c[0].detach())


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("08_rnn")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("08_rnn", "cuda")
