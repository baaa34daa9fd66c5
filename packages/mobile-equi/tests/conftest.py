import torch

# torch.optim imports torch._dynamo (and triton, in CUDA builds of torch) on the first step; do it first, before
# h5py, TensorFlow or onnxruntime load their native libraries, whose order otherwise decides whether it aborts
import torch._dynamo  # noqa: F401, E402

torch.set_num_threads(1)
