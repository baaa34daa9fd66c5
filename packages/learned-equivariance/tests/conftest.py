import torch

# one thread: the test machines are shared, and on a busy CPU two threads run several times slower than one
torch.set_num_threads(1)
