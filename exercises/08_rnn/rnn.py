"""Recurrent cells (vanilla RNN, LSTM, GRU) and an LSTM over a whole sequence, in PyTorch's layout.

Shapes: a batch of inputs ``x (N, D)``, hidden states ``h (N, H)``. Weights are stored as PyTorch
stores them: ``W_ih (G*H, D)`` and ``W_hh (G*H, H)``, biases ``b_ih, b_hh (G*H,)``, where G is the
number of gates (1 for the RNN, 4 for the LSTM, 3 for the GRU) stacked along the first axis. So
the pre-activations are ``x @ W_ih.T + b_ih + h @ W_hh.T + b_hh`` (shape ``(N, G*H)``), and gate k
is the slice ``[:, k*H:(k+1)*H]``. sigma is the logistic sigmoid ``1 / (1 + exp(-a))``.

RNN cell
--------
    h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)

Example with D = 1, H = 2: x = [[1]], h = [[0.5, -1]], W_ih = [[2], [-1]], W_hh = identity,
b_ih = [0, 0], b_hh = [-0.5, 0]: the pre-activation is [2 + 0.5 - 0.5, -1 - 1 + 0] = [2, -2], so
h' = [tanh(2), tanh(-2)] = [0.9640, -0.9640].

LSTM cell (gate order i, f, g, o, as torch.nn.LSTMCell)
-------------------------------------------------------
    i, f, g, o = the four H-wide slices of  x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i = sigma(i)   input gate          f = sigma(f)   forget gate
    g = tanh(g)    candidate cell      o = sigma(o)   output gate
    c' = f * c + i * g
    h' = o * tanh(c')

Example with H = 1, pre-activations (i, f, g, o) = (0, 0, 1, 0) and c = 1: i = f = o = 0.5,
g = tanh(1) = 0.7616, c' = 0.5*1 + 0.5*0.7616 = 0.8808, h' = 0.5 * tanh(0.8808) = 0.3534.

GRU cell (gate order r, z, n, as torch.nn.GRUCell)
--------------------------------------------------
The input part ``gi = x @ W_ih.T + b_ih`` and the hidden part ``gh = h @ W_hh.T + b_hh`` are kept
apart, because the reset gate multiplies the hidden part of n *after* its matrix product (PyTorch's
form; the original paper multiplies h before it, which is a different function):

    r  = sigma(gi_r + gh_r)                 reset gate
    z  = sigma(gi_z + gh_z)                 update gate
    n  = tanh(gi_n + r * gh_n)              candidate, gh_n = h @ W_hn.T + b_hn
    h' = (1 - z) * n + z * h

Example with H = 1, D = 1, x = h = 1, W_ih = [[0], [0], [1]], b_ih = 0, W_hh = [[0], [0], [1]],
b_hh = [0, 0, 1]: gi = (0, 0, 1), gh = (0, 0, 1*1 + 1) = (0, 0, 2), so r = z = 0.5,
n = tanh(1 + 0.5*2) = 0.9640 and h' = 0.5*0.9640 + 0.5*1 = 0.9820. (The paper's form,
tanh(1 + 1*(0.5*1) + 1) = tanh(2.5), differs because r does not scale b_hn there.)

LSTM over a sequence
--------------------
``x (N, T, D)`` is batch-first. Starting from ``(h0, c0)``, apply the LSTM cell to ``x[:, t]`` for
t = 0, 1, ..., T-1, carrying (h, c) from step to step. The outputs are the hidden states of every
step stacked on axis 1, ``(N, T, H)``; the final state ``(h, c)`` is that of the last step (so
``outputs[:, -1] == h``). This is a one-layer ``torch.nn.LSTM(D, H, batch_first=True)`` whose
``weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0`` are W_ih, W_hh, b_ih, b_hh.

All functions take and return float64 NumPy arrays and never modify their inputs.
"""
import numpy as np


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One step of a tanh RNN, as torch.nn.RNNCell.

    x: (N, D), h: (N, H), W_ih: (H, D), W_hh: (H, H), b_ih, b_hh: (H,).
    Returns h' (N, H) = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).
    """
    raise NotImplementedError


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One step of an LSTM, as torch.nn.LSTMCell.

    x: (N, D), h, c: (N, H), W_ih: (4H, D), W_hh: (4H, H), b_ih, b_hh: (4H,), gates stacked i, f, g, o.
    Returns (h', c'), each (N, H):  c' = f*c + i*g,  h' = o*tanh(c')
    with i, f, o = sigmoid(...) and g = tanh(...) of the gate slices.
    """
    raise NotImplementedError


def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One step of a GRU, as torch.nn.GRUCell.

    x: (N, D), h: (N, H), W_ih: (3H, D), W_hh: (3H, H), b_ih, b_hh: (3H,), gates stacked r, z, n.
    With gi = x @ W_ih.T + b_ih and gh = h @ W_hh.T + b_hh:
        r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r * gh_n)
    Returns h' (N, H) = (1 - z) * n + z * h.
    """
    raise NotImplementedError


def lstm_sequence(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """A one-layer, batch-first LSTM over a whole sequence, as torch.nn.LSTM(batch_first=True).

    x: (N, T, D), h0, c0: (N, H), weights as lstm_cell.
    Returns (outputs, (h, c)): outputs (N, T, H) is h after every step; h, c (N, H) the final state.
    """
    raise NotImplementedError
