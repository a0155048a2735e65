"""Known-wrong implementations (run in the namespace of solution.py)."""
import math


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
    return nn.Sequential(
        nn.Linear(in_features, 64), nn.ReLU(),
        nn.Linear(64, 64), nn.ReLU(),
        nn.Linear(64, n_classes), nn.Softmax(dim=1),
    )


def _fit(model, X, y, steps=200, lr=1e-2):
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()


def train__no_eval(model, X, y):
    _fit(model, X, y)
    return model


def train__tiny_learning_rate(model, X, y):
    _fit(model, X, y, lr=1e-6)
    return model.eval()


def train__forgets_return(model, X, y):
    _fit(model, X, y)
    model.eval()
