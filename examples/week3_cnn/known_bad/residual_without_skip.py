"""Residual block without the skip connection: relu(bn2(conv2(relu(bn1(conv1(x)))))), x never added."""
MODULE = "models"
EXERCISE = "week3.residual"
HINT = "leaving out the skip connection"
EXERCISE_SCORE = 0


def _forward(self, x):
    h = torch.relu(self.bn1(self.conv1(x)))
    return torch.relu(self.bn2(self.conv2(h)))


ResidualBlock.forward = _forward
