"""Conformal prediction (dacssGAN 3.1) and the conformal selection of unlabelled faces: what
``calibrate`` computes and ``generate`` reads, a layer below training and evaluation."""
