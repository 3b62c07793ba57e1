"""Ritz pairs of a distributed symmetric operator by the Lanczos process with full reorthogonalisation.

    A V_m = V_m T_m + beta_m v_{m+1} e_m^T,   T_m = tridiag(beta_{j-1}, alpha_j, beta_j)

with alpha_j = v_j.A v_j and beta_j = ||A v_j - alpha_j v_j - beta_{j-1} v_{j-1}|| after the new vector has been
orthogonalised twice against every earlier one (classical Gram-Schmidt, twice is enough). The eigenpairs
(theta_i, s_i) of T_m give the Ritz values theta_i and vectors y_i = V_m s_i; the extreme ones converge first,
and with m = N every eigenpair is exact to round-off. The basis lives on the owned cells (numpy, m vectors), and
every inner product is one global Allreduce, so the result does not depend on the rank count beyond round-off.
"""
import numpy as np
from scipy.linalg import eigh_tridiagonal


def start_vector(mesh, seed, support=None):
    """A normal random vector drawn over the global mesh from `seed` (the same on any rank count), restricted
    to this rank's block and multiplied by `support` (a fluid mask) if given."""
    full = np.random.default_rng(seed).standard_normal(mesh.global_shape)
    own = full[mesh.block_slices()].reshape(mesh.local_shape)
    return own if support is None else own * support


def lanczos(operator, steps, seed=0, support=None):
    """(Ritz values ascending (k,), Ritz vectors (k, owned block)) from `steps` Lanczos steps on `operator`
    (k = steps, or fewer if an invariant subspace is found first). `support`: an owned-cell mask the start
    vector is restricted to (the fluid cells of an obstacle operator, whose solid rows are decoupled)."""
    mesh, xp, comm = operator.mesh, operator.xp, operator.mesh.comm
    v = start_vector(mesh, seed, support)
    v /= np.sqrt(comm.allreduce(float(np.vdot(v, v))))
    basis, alphas, betas = [v], [], []
    u, w = mesh.zeros(xp), mesh.zeros(xp)
    for j in range(steps):
        u[mesh.interior] = xp.asarray(basis[j])
        operator.apply_dot(u, w, reduce=False)
        a = np.asarray(operator.backend.to_host(w[mesh.interior]))
        alphas.append(comm.allreduce(float(np.vdot(basis[j], a))))
        stack = np.asarray(basis).reshape(len(basis), -1)
        flat = a.reshape(-1)
        for _ in range(2):
            flat = flat - stack.T @ comm.allreduce(stack @ flat)
        beta = np.sqrt(comm.allreduce(float(flat @ flat)))
        if j == steps - 1 or beta <= 1e-12 * abs(alphas[-1]):
            break
        betas.append(beta)
        basis.append((flat / beta).reshape(mesh.local_shape))
    theta, s = eigh_tridiagonal(np.array(alphas), np.array(betas))
    vectors = np.tensordot(s.T, np.asarray(basis[:len(alphas)]), axes=1)
    return theta, vectors
