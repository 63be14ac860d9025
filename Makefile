VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install repro test bench clean

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
