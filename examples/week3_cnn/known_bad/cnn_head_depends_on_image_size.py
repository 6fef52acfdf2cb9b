"""A CNN whose head flattens the last feature map into a Linear layer sized for 32×32 images:
it trains well on the 32×32 shapes, but fails on any other image size."""
MODULE = "models"
EXERCISE = "week3.cnn"
HINT = "global pooling"
EXERCISE_SCORE = 6


def build_cnn(in_channels, num_classes):
    def stage(cin, cout):
        return [nn.Conv2d(cin, cout, kernel_size=3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*stage(in_channels, 16), *stage(16, 32), *stage(32, 32),
                         nn.Flatten(), nn.Linear(32 * 4 * 4, num_classes))
