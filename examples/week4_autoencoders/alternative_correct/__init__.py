"""Week 4: unsupervised representation learning (PCA, unpooling, autoencoders, denoising, retrieval, VAE)."""
