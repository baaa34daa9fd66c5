"""The study behind ``learned-equivariance reproduce`` and ``bench``: data, models, training, figures."""
