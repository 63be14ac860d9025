VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install repro test bench tables clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

repro: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/dvc repro

test: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(PY) -m pytest -q

bench: install
	$(PY) benchmarks/preprocess.py
	$(PY) benchmarks/gan_train.py --scale small --batch 64
	$(PY) benchmarks/mrpn_epoch.py --backbone cnn --face-size 28

# The papers' GAN table over actor folds (opt-in; wall time in the README): every variant on every
# fold as a DVC experiment, then reports/tables.{md,json,png} and the README's report block.
FOLDS ?= 6
JOBS ?= 1
VARIANTS ?= --variant "gan.condition=label" --variant "gan.condition=classifier" \
	--variant "gan.condition=conformal" --variant "gan.progressive=true gan.pretrain_pool=s1_s3" \
	--variant "gan.loss=wasserstein" --variant "gan.generator=unet"

tables: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report run --folds $(FOLDS) --jobs $(JOBS) $(VARIANTS)
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report collect --readme README.md

