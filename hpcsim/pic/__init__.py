"""TF-PIC: electromagnetic particle-in-cell with the thermodynamic forcing (the `pic` family).

`model` holds the family description and the model; `engine` the fused particle step and the Yee fields
(`fields`), `loading`/`species` the particles, `forcing` and `krook` the thermodynamic forcing and collisions,
`diagnostics` the moments and spectra, `deck` the deck sections and `units` the plasma parameters.
"""
