"""Residual block that applies the ReLU to the residual branch and then adds x, with no ReLU after the sum."""
MODULE = "models"
EXERCISE = "week3.residual"
HINT = "applying the ReLU before adding x"
EXERCISE_SCORE = 0


def _forward(self, x):
    h = torch.relu(self.bn1(self.conv1(x)))
    return x + torch.relu(self.bn2(self.conv2(h)))


ResidualBlock.forward = _forward
