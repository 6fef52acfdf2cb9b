"""Week 3: convolutional networks (convolution and pooling, normalization and dropout, augmentation, CNNs)."""
