"""The chemotaxis family: Keller-Segel systems with indirect (n -> w -> c) or direct (n -> c) signalling, their
parabolic-elliptic limits, on Cartesian meshes (`model`) and radially symmetric ones (`radial`)."""
