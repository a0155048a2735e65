"""Model solution of the rnn exercise."""
import numpy as np


def sigmoid(a):
    # exp of a non-positive number only: no overflow for any finite a.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One step of a tanh RNN, as torch.nn.RNNCell."""
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One step of an LSTM, as torch.nn.LSTMCell: returns (h', c')."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)        # torch's order: input, forget, cell, output
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c_next = f * c + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next


def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One step of a GRU, as torch.nn.GRUCell."""
    gi_r, gi_z, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=1)
    gh_r, gh_z, gh_n = np.split(h @ W_hh.T + b_hh, 3, axis=1)
    r = sigmoid(gi_r + gh_r)
    z = sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)       # r scales the hidden part after its matrix product
    return (1.0 - z) * n + z * h


def lstm_sequence(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """A one-layer batch-first LSTM: returns (outputs (N, T, H), (h, c))."""
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[1]):
        h, c = lstm_cell(x[:, t], h, c, W_ih, W_hh, b_ih, b_hh)
        outputs.append(h)
    return np.stack(outputs, axis=1), (h, c)
