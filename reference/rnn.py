"""PyTorch reference of the rnn exercise, in torch's own formulas and weight layout.

tests/reference/test_rnn.py proves each equal to torch.nn.RNNCell / LSTMCell / GRUCell / LSTM
loaded with the same weights.
"""
import torch


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    gi_r, gi_z, gi_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)
    gh_r, gh_z, gh_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)
    r = torch.sigmoid(gi_r + gh_r)
    z = torch.sigmoid(gi_z + gh_z)
    n = torch.tanh(gi_n + r * gh_n)
    return (1 - z) * n + z * h


def lstm_sequence(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """Same arguments as the harness (minus impl); returns its outputs outputs, h, c."""
    h, c = h0, c0
    steps = []
    for t in range(x.shape[1]):
        h, c = lstm_cell(x[:, t], h, c, W_ih, W_hh, b_ih, b_hh)
        steps.append(h)
    return {"outputs": torch.stack(steps, dim=1), "h": h, "c": c}
