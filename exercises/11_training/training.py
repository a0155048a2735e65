"""Training a classifier in PyTorch: a model, a loss, an optimizer and a loop.

Everything you built by hand in NumPy has a PyTorch counterpart: `nn.Linear` is your dense
layer, `nn.ReLU` your activation, `F.cross_entropy` your softmax cross-entropy *with logits*
(it applies log-softmax itself, so a model returns raw scores, never probabilities), autograd
is your backward pass, and `torch.optim.Adam` is your Adam.

**A model** maps a batch `(N, in_features)` to logits `(N, n_classes)`; the predicted class is
`logits.argmax(dim=1)`. A straight line (one `nn.Linear`) cannot separate classes that wind
around each other; a hidden layer with a nonlinearity can:

    nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))

**The loop** repeats four steps:

    optimizer.zero_grad()                 # forget the previous step's gradients
    loss = F.cross_entropy(model(X), y)   # forward: mean loss over the batch
    loss.backward()                       # autograd fills p.grad of every parameter
    optimizer.step()                      # update the parameters

With a few hundred points the whole set fits in one batch ("full batch"). At the start the
loss is about log(n_classes) (1.0986 for 3 classes: every class equally likely); it should
fall steadily. `model.train()` and `model.eval()` switch layers such as dropout and batch
norm between their training and their inference behaviour: train in train mode, hand the model
back in eval mode.

**How it is graded.** The grader generates 2-D datasets (spirals, concentric rings) with 3 or 4
classes, sometimes padded with a few uninformative features, and keeps some points back that
your code never sees. Training must lift the training accuracy well above chance *and* the
held-back accuracy to at least 0.9, with the two close together: a model that is right on its
training points but not on new ones has memorised, not learned. `build_model` is trained by
the course's training loop, `train` trains the course's model (and once your own), each case
within a few seconds on a CPU: the whole module has 60 s. Optionally set `model.history` to a
list of numbers (say the loss at each step); the grader shows it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def build_model(in_features, n_classes):
    """A fresh ``torch.nn.Module`` mapping a float32 batch ``(N, in_features)`` to logits ``(N, n_classes)``.

    Return raw scores (logits), not probabilities: no softmax at the end.
    """
    raise NotImplementedError


def train(model, X, y):
    """Train ``model`` in place on ``X`` (float32, ``(N, D)``) and ``y`` (int64 class indices, ``(N,)``).

    ``X``, ``y`` and ``model`` are already on the same device (the one ``pick_device()`` gives);
    anything you create should go on ``X.device``. Do not modify ``X`` or ``y``. Return the
    same ``model``, in eval mode.
    """
    raise NotImplementedError
