"""Model solution of the cnn exercise."""
import numpy as np


def _out_size(size, kernel, stride):
    return (size - kernel) // stride + 1


def _window_view(a, p, q, stride, Hout, Wout):
    """The elements that kernel offset (p, q) touches, for every output position: (N, C, Hout, Wout)."""
    return a[:, :, p:p + stride * (Hout - 1) + 1:stride, q:q + stride * (Wout - 1) + 1:stride]


def _pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def conv2d_forward(x, W, b, stride=1, padding=0):
    """2-D cross-correlation, as torch.nn.functional.conv2d."""
    xpad = _pad(x, padding)
    Cout, Cin, kH, kW = W.shape
    Hout = _out_size(xpad.shape[2], kH, stride)
    Wout = _out_size(xpad.shape[3], kW, stride)
    out = np.zeros((x.shape[0], Cout, Hout, Wout))
    # One kernel offset (p, q) at a time: multiply the elements it touches by W[:, :, p, q].
    for p in range(kH):
        for q in range(kW):
            patch = _window_view(xpad, p, q, stride, Hout, Wout)        # (N, Cin, Hout, Wout)
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, p, q])
    return out + b[None, :, None, None]


def conv2d_backward(x, W, b, grad_out, stride=1, padding=0):
    """Returns (dx, dW, db) of conv2d_forward."""
    xpad = _pad(x, padding)
    Cout, Cin, kH, kW = W.shape
    Hout, Wout = grad_out.shape[2:]
    dxpad = np.zeros_like(xpad)
    dW = np.zeros_like(W)
    for p in range(kH):
        for q in range(kW):
            patch = _window_view(xpad, p, q, stride, Hout, Wout)
            dW[:, :, p, q] = np.einsum("nfhw,nchw->fc", grad_out, patch)
            # The same elements receive the gradient back, weighted by W[:, :, p, q].
            _window_view(dxpad, p, q, stride, Hout, Wout)[...] += np.einsum(
                "nfhw,fc->nchw", grad_out, W[:, :, p, q])
    H, Wd = x.shape[2:]
    dx = dxpad[:, :, padding:padding + H, padding:padding + Wd]
    db = grad_out.sum(axis=(0, 2, 3))
    return dx, dW, db


def max_pool2d_forward(x, kernel, stride=None):
    """Max pooling, as torch.nn.functional.max_pool2d."""
    stride = kernel if stride is None else stride
    Hout = _out_size(x.shape[2], kernel, stride)
    Wout = _out_size(x.shape[3], kernel, stride)
    out = np.full(x.shape[:2] + (Hout, Wout), -np.inf)
    for p in range(kernel):
        for q in range(kernel):
            out = np.maximum(out, _window_view(x, p, q, stride, Hout, Wout))
    return out


def max_pool2d_backward(x, grad_out, kernel, stride=None):
    """Gradient of max pooling: to the first maximum of each window, accumulated over windows."""
    stride = kernel if stride is None else stride
    N, C = x.shape[:2]
    Hout, Wout = grad_out.shape[2:]
    dx = np.zeros_like(x)
    n, c = np.indices((N, C))
    for i in range(Hout):
        for j in range(Wout):
            top, left = i * stride, j * stride
            window = x[:, :, top:top + kernel, left:left + kernel].reshape(N, C, kernel * kernel)
            first_max = window.argmax(axis=2)          # argmax returns the first maximum
            p, q = np.divmod(first_max, kernel)
            dx[n, c, top + p, left + q] += grad_out[:, :, i, j]
    return dx


def avg_pool2d_forward(x, kernel, stride=None):
    """Average pooling, as torch.nn.functional.avg_pool2d."""
    stride = kernel if stride is None else stride
    Hout = _out_size(x.shape[2], kernel, stride)
    Wout = _out_size(x.shape[3], kernel, stride)
    out = np.zeros(x.shape[:2] + (Hout, Wout))
    for p in range(kernel):
        for q in range(kernel):
            out += _window_view(x, p, q, stride, Hout, Wout)
    return out / kernel**2


def avg_pool2d_backward(x, grad_out, kernel, stride=None):
    """Gradient of average pooling: grad / kernel**2 to every element of each window."""
    stride = kernel if stride is None else stride
    Hout, Wout = grad_out.shape[2:]
    dx = np.zeros_like(x)
    for p in range(kernel):
        for q in range(kernel):
            _window_view(dx, p, q, stride, Hout, Wout)[...] += grad_out / kernel**2
    return dx
