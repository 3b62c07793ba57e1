"""TF-PIC: electromagnetic particle-in-cell (work in progress: the Yee field solver and the pushers)."""
