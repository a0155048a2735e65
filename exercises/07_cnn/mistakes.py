"""Known-wrong versions of the cnn tasks, run in the namespace of solution.py.

A mutant rebinds one task's name to its mistake, so the mistakes call the correct functions
through the aliases below, taken before any rebinding.
"""
correct_conv2d_forward = conv2d_forward
correct_conv2d_backward = conv2d_backward
correct_max_pool2d_forward = max_pool2d_forward
correct_avg_pool2d_forward = avg_pool2d_forward
correct_avg_pool2d_backward = avg_pool2d_backward


# --- conv2d_forward -------------------------------------------------------------------------

def conv2d_forward__flipped_kernel(x, W, b, stride=1, padding=0):
    # True (mathematical) convolution: the kernel turned by 180 degrees.
    return correct_conv2d_forward(x, W[:, :, ::-1, ::-1], b, stride, padding)


def conv2d_forward__one_sided_padding(x, W, b, stride=1, padding=0):
    # Zeros added at the top and left only.
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, 0), (padding, 0)))
    return correct_conv2d_forward(xpad, W, b, stride, 0)


def conv2d_forward__bias_missing(x, W, b, stride=1, padding=0):
    return correct_conv2d_forward(x, W, np.zeros_like(b), stride, padding)


# --- conv2d_backward ------------------------------------------------------------------------

def conv2d_backward__db_averaged(x, W, b, grad_out, stride=1, padding=0):
    dx, dW, db = correct_conv2d_backward(x, W, b, grad_out, stride, padding)
    return dx, dW, grad_out.mean(axis=(0, 2, 3))


def conv2d_backward__dw_averaged_over_batch(x, W, b, grad_out, stride=1, padding=0):
    dx, dW, db = correct_conv2d_backward(x, W, b, grad_out, stride, padding)
    return dx, dW / x.shape[0], db


def conv2d_backward__dx_kernel_flipped(x, W, b, grad_out, stride=1, padding=0):
    # dx computed with the kernel turned by 180 degrees (mixing up "full convolution with the
    # flipped kernel" and the scatter form, which already accounts for the flip).
    dx, _, _ = correct_conv2d_backward(x, W[:, :, ::-1, ::-1], b, grad_out, stride, padding)
    _, dW, db = correct_conv2d_backward(x, W, b, grad_out, stride, padding)
    return dx, dW, db


# --- max_pool2d_forward ---------------------------------------------------------------------

def max_pool2d_forward__default_stride_one(x, kernel, stride=None):
    return correct_max_pool2d_forward(x, kernel, 1 if stride is None else stride)


def max_pool2d_forward__average_instead_of_max(x, kernel, stride=None):
    return correct_avg_pool2d_forward(x, kernel, stride)


# --- max_pool2d_backward --------------------------------------------------------------------

def max_pool2d_backward__spread_to_window(x, grad_out, kernel, stride=None):
    # Every element of the window gets the gradient, as if the max were a sum.
    return correct_avg_pool2d_backward(x, grad_out, kernel, stride) * kernel**2


def _max_pool_backward_with(x, grad_out, kernel, stride, pick):
    """Max-pool backward where pick(window (kernel, kernel)) gives a 0/1 mask of what gets grad."""
    stride = kernel if stride is None else stride
    N, C = x.shape[:2]
    Hout, Wout = grad_out.shape[2:]
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(Hout):
                for j in range(Wout):
                    rows = slice(i * stride, i * stride + kernel)
                    cols = slice(j * stride, j * stride + kernel)
                    dx[n, c, rows, cols] += pick(x[n, c, rows, cols]) * grad_out[n, c, i, j]
    return dx


def max_pool2d_backward__ties_to_every_max(x, grad_out, kernel, stride=None):
    return _max_pool_backward_with(x, grad_out, kernel, stride, lambda w: (w == w.max()) * 1.0)


def max_pool2d_backward__ties_to_last_max(x, grad_out, kernel, stride=None):
    def last_max(w):
        flat = w.ravel()
        mask = np.zeros(flat.shape)
        mask[flat.size - 1 - np.argmax(flat[::-1])] = 1.0
        return mask.reshape(w.shape)
    return _max_pool_backward_with(x, grad_out, kernel, stride, last_max)


def max_pool2d_backward__overlaps_overwritten(x, grad_out, kernel, stride=None):
    # dx[...] = g instead of dx[...] += g: with overlapping windows, later windows overwrite.
    stride = kernel if stride is None else stride
    N, C = x.shape[:2]
    Hout, Wout = grad_out.shape[2:]
    dx = np.zeros_like(x)
    n, c = np.indices((N, C))
    for i in range(Hout):
        for j in range(Wout):
            top, left = i * stride, j * stride
            window = x[:, :, top:top + kernel, left:left + kernel].reshape(N, C, kernel * kernel)
            p, q = np.divmod(window.argmax(axis=2), kernel)
            dx[n, c, top + p, left + q] = grad_out[:, :, i, j]
    return dx


# --- avg_pool2d_forward ---------------------------------------------------------------------

def avg_pool2d_forward__default_stride_one(x, kernel, stride=None):
    return correct_avg_pool2d_forward(x, kernel, 1 if stride is None else stride)


def avg_pool2d_forward__sum_not_mean(x, kernel, stride=None):
    return correct_avg_pool2d_forward(x, kernel, stride) * kernel**2


# --- avg_pool2d_backward --------------------------------------------------------------------

def avg_pool2d_backward__not_divided_by_window(x, grad_out, kernel, stride=None):
    return correct_avg_pool2d_backward(x, grad_out, kernel, stride) * kernel**2


def avg_pool2d_backward__divided_by_kernel_not_area(x, grad_out, kernel, stride=None):
    return correct_avg_pool2d_backward(x, grad_out, kernel, stride) * kernel


def avg_pool2d_backward__overlaps_overwritten(x, grad_out, kernel, stride=None):
    stride = kernel if stride is None else stride
    Hout, Wout = grad_out.shape[2:]
    dx = np.zeros_like(x)
    for i in range(Hout):
        for j in range(Wout):
            top, left = i * stride, j * stride
            dx[:, :, top:top + kernel, left:left + kernel] = (
                grad_out[:, :, i, j][:, :, None, None] / kernel**2)
    return dx
