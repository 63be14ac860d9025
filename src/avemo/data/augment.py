"""Augmentation: faces (horizontal flip) and SpecAugment for spectrograms (torchaudio's frequency
and time masking): training-time augmentation, tc-wGAN's spectrogram copies, and the fair
baseline's copies of each modality (``AUGMENTATIONS``)."""
from __future__ import annotations

import torch
import torchaudio


def face_augment(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, S, S): random horizontal flip per sample. No shifts: faces are aligned, and the
    expression cues at 28 px are one-pixel moves that a shift would drown (measured: chance level)."""
    flip = torch.rand(len(x), device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


class SpecAugment:
    """(B, 1, F, T) -> same shape: ``n_freq`` frequency masks and ``n_time`` time masks, each masked to
    its spectrogram's mean, as SpecAugment masks (Park et al., Interspeech 2019, sec. 2: their log-mels
    are normalised to mean 0, so the masks' zeros are the mean). Masking to -1, the scale's silence,
    wrote a value no clip of the synthetic corpus reaches (its quietest bins lie near -0.4): the
    audio CNN called nearly every masked spectrogram one class, and so did tc-wGAN's generator, which
    learns to draw them (docs/benchmarks.md, "Does the generator's condition carry the class?")."""

    def __init__(self, freq_mask: int = 4, time_mask: int = 12, n_freq: int = 1, n_time: int = 2):
        self.freq = torchaudio.transforms.FrequencyMasking(freq_mask, iid_masks=True)
        self.time = torchaudio.transforms.TimeMasking(time_mask, iid_masks=True)
        self.n_freq, self.n_time = n_freq, n_time

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(-2, -1), keepdim=True)
        shifted = x - mean  # torchaudio's masks write 0: here each spectrogram's own mean
        for _ in range(self.n_freq):
            shifted = self.freq(shifted)
        for _ in range(self.n_time):
            shifted = self.time(shifted)
        return shifted + mean


def specaugment_copies(x: torch.Tensor, copies: int, seed: int) -> torch.Tensor:
    """``copies`` SpecAugment variants of each spectrogram: (B, 1, F, T) -> (B * copies, 1, F, T)."""
    torch.manual_seed(seed)
    aug = SpecAugment()
    return torch.cat([aug(x) for _ in range(copies)])


# per processed array: training-time augmentation and the fair baseline's copies (tc-wGAN)
AUGMENTATIONS = {"spectrograms": SpecAugment(), "faces": face_augment}
