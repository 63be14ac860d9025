"""Typed, validated views of ``params.yaml``: ``core`` holds the machinery, one module per section
holds that section's dataclass, so a stage depends only on the sections it reads."""
