"""Machine learning: the melody GAN, its training data, baselines and quality metrics."""
