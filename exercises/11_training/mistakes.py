"""Known-wrong implementations (run in the namespace of solution.py).

A mutant rebinds the task's name to its mistake, so mistakes use the private aliases below (bound
before any rebinding), never the task's name at run time.
"""
import math

_correct_build_model = build_model
_correct_train = train


def build_model__linear(in_features, n_classes):
    return nn.Linear(in_features, n_classes)


class _SharpFeatures(nn.Module):
    """256 sine features of a first layer initialised hundreds of times too large."""

    def __init__(self, in_features, n_classes, width=256, scale=200.0):
        super().__init__()
        self.features = nn.Linear(in_features, width)
        nn.init.normal_(self.features.weight, std=scale)
        nn.init.uniform_(self.features.bias, -math.pi, math.pi)
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        return self.head(torch.sin(self.features(x)))


def build_model__memorises(in_features, n_classes):
    return _SharpFeatures(in_features, n_classes)


def build_model__softmax_output(in_features, n_classes):
    return nn.Sequential(_correct_build_model(in_features, n_classes), nn.Softmax(dim=1))


def train__no_eval(model, X, y):
    return _correct_train(model, X, y).train()


def train__tiny_learning_rate(model, X, y):
    return _correct_train(model, X, y, lr=1e-6)


def train__no_zero_grad(model, X, y, steps=200, lr=1e-2):
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):  # no optimizer.zero_grad(): each backward() adds to every earlier gradient
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    return model.eval()


def train__forgets_return(model, X, y):
    _correct_train(model, X, y)
