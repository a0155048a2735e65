"""Known-wrong versions of the rnn tasks, run in the namespace of solution.py."""


# --- rnn_cell -------------------------------------------------------------------------------

def rnn_cell__no_tanh(x, h, W_ih, W_hh, b_ih, b_hh):
    return x @ W_ih.T + b_ih + h @ W_hh.T + b_hh


def rnn_cell__relu_instead_of_tanh(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.maximum(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 0.0)


def rnn_cell__hidden_bias_dropped(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T)


# --- lstm_cell ------------------------------------------------------------------------------

def lstm_cell__gate_order_ifog(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, o, g = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
    c_next = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_next), c_next


def lstm_cell__no_tanh_on_cell_output(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
    c_next = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * c_next, c_next


def lstm_cell__sigmoid_on_candidate(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
    c_next = sigmoid(f) * c + sigmoid(i) * sigmoid(g)
    return sigmoid(o) * np.tanh(c_next), c_next


# --- gru_cell -------------------------------------------------------------------------------

def gru_cell__reset_before_matmul(x, h, W_ih, W_hh, b_ih, b_hh):
    # The paper's form: n = tanh(W_in x + b_in + W_hn (r*h) + b_hn).
    H = h.shape[1]
    gi_r, gi_z, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=1)
    gh_r, gh_z, _ = np.split(h @ W_hh.T + b_hh, 3, axis=1)
    r = sigmoid(gi_r + gh_r)
    z = sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + (r * h) @ W_hh[2 * H:].T + b_hh[2 * H:])
    return (1.0 - z) * n + z * h


def gru_cell__update_gate_swapped(x, h, W_ih, W_hh, b_ih, b_hh):
    gi_r, gi_z, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=1)
    gh_r, gh_z, gh_n = np.split(h @ W_hh.T + b_hh, 3, axis=1)
    r = sigmoid(gi_r + gh_r)
    z = sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)
    return z * n + (1.0 - z) * h


def gru_cell__gate_order_zrn(x, h, W_ih, W_hh, b_ih, b_hh):
    gi_z, gi_r, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=1)
    gh_z, gh_r, gh_n = np.split(h @ W_hh.T + b_hh, 3, axis=1)
    r = sigmoid(gi_r + gh_r)
    z = sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)
    return (1.0 - z) * n + z * h


# --- lstm_sequence --------------------------------------------------------------------------

def lstm_sequence__state_not_carried(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    steps = [lstm_cell(x[:, t], h0, c0, W_ih, W_hh, b_ih, b_hh) for t in range(x.shape[1])]
    return np.stack([h for h, _ in steps], axis=1), steps[-1]


def lstm_sequence__outputs_are_cells(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c = h0, c0
    cells = []
    for t in range(x.shape[1]):
        h, c = lstm_cell(x[:, t], h, c, W_ih, W_hh, b_ih, b_hh)
        cells.append(c)
    return np.stack(cells, axis=1), (h, c)


def lstm_sequence__time_reversed(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c = h0, c0
    outputs = [None] * x.shape[1]
    for t in reversed(range(x.shape[1])):
        h, c = lstm_cell(x[:, t], h, c, W_ih, W_hh, b_ih, b_hh)
        outputs[t] = h
    return np.stack(outputs, axis=1), (h, c)


def lstm_sequence__ignores_c0(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c = h0, np.zeros_like(c0)                       # the given cell state is dropped
    outputs = []
    for t in range(x.shape[1]):
        h, c = lstm_cell(x[:, t], h, c, W_ih, W_hh, b_ih, b_hh)
        outputs.append(h)
    return np.stack(outputs, axis=1), (h, c)
