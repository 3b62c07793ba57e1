"""Learned conjugate directions (DCDM; Kaneda et al., "A Deep Conjugate Direction Method for Iteratively Solving
Linear Systems", ICML 2023).

A convolutional network N maps the normalised residual r/||r|| to an approximation of A^-1 r up to a scale; the
iteration A-orthogonalises N's output against the last k search directions and steps along it (`solver`).

  lanczos    Ritz pairs of the distributed operator (Lanczos with full reorthogonalisation)
  data       training right-hand sides from Ritz vectors, biased to the low end of the spectrum, in HDF5
  obstacles  the shifted Laplacian with Neumann solid cells inside the domain (the paper's smoke scenes)
  network    the architecture (one program of convolutions, pooling and upsampling) and its HDF5 weights file
  forward    the forward pass on the distributed mesh with the project's kernels (numba CPU, numba.cuda GPU)
  solver     DCDM as a solver method and the network as a flexible-CG preconditioner
  train      unsupervised training with PyTorch (the optional `learn` extra; imported only there)
  trainrun   the `hpcsim train` subcommand: data, training with checkpoints, the weights file
  deck       the [dcdm] deck section shared by `hpcsim train`, the solve decks and the benchmarks
"""
