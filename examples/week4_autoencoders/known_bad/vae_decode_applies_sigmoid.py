"""A VAE whose decode ends in a sigmoid: it returns pixel means, which the grader reads as
logits (and passes through a sigmoid again), so its reconstructions stay near grey."""
MODULE = "vae"
EXERCISE = "week4.vae_train"
HINT = "no sigmoid"
EXERCISE_SCORE = 1


class SigmoidVAE(VAE):
    def decode(self, z):
        return torch.sigmoid(self.decoder(z))


def build_vae(input_shape, latent_dim):
    return SigmoidVAE(input_shape, latent_dim)
