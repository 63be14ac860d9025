VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install repro test bench tables budget mrpn faces rehearsal paper clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m avemo.report.offline .dvc/plots.html  # dvc plots show without a CDN (.dvc/config)
	touch $(STAMP)

install: $(STAMP)

repro: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/dvc repro

# The suite on both cores, the longest files first (tests/conftest.py); tests/test_other_cpu_kernels.py runs its
# float-comparing tests (marker numerics) again under the kernels other CPUs pick, on whichever worker is free.
test: install
	PATH=$(abspath $(VENV))/bin:$$PATH OMP_NUM_THREADS=1 $(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

bench: install
	$(PY) benchmarks/preprocess.py
	$(PY) benchmarks/gan_train.py --scale small --batch 64
	$(PY) benchmarks/mrpn_epoch.py --backbone cnn --face-size 28

# The papers' GAN table over actor folds (opt-in; wall time in docs/benchmarks.md): every variant on every
# fold as a DVC experiment, then reports/tables.{md,json,png} and the report block of docs/results.md.
FOLDS ?= 8
START_FOLD ?= 0
JOBS ?= 1
# A study continued on later commits: SINCE=<the commit it was first queued on> makes collect read them all;
# collect reads only the experiments that set the study's --set (another study may share its commits).
SINCE ?=
COLLECT = $(if $(SINCE),--since $(SINCE))
# Every row trains each arm of evaluate_augmented with 3 seeds: this, more than more actors, is what
# narrows the interval of a paired difference (docs/studies.md). No table reads train_gan's FID/IS
# monitoring, and it does not change the generator (tests/test_gan_training.py): scored once, at the end.
# Every emotion CNN of the study trains in bf16 (faster: docs/benchmarks.md); over the 8 folds the bf16 study
# (reports/bf16, docs/studies.md) could not tell its augmented accuracy or its delta from fp32's.
# The default pipeline (params.yaml) stays fp32; collect's --where leaves fp32 rows of the same commits out.
TABLE_SET ?= eval.seeds=3 gan.eval_every=0 classifier.precision=bf16
# Each row is the README's recipe for that paper row (Wasserstein with 5 critic steps, as wGAN and tc-wGAN
# ran it). tc-wGAN's temporal rows (TEMPORAL_ROWS: its three encoders) take the README's CPU setting (one
# SpecAugment copy per window, 8 epochs): 10 windows x 10 copies x 40 epochs would take hours per fold on 2
# cores. PAPER_ROW is the papers' generator size (width 64, a 1280-d bottleneck, 100 epochs): does "no
# row helps" hold for it? SOURCE_ROW is the committed GAN without blanked sources (gan.source_dropout=0),
# as the papers trained it.
VARIANTS ?= --variant "gan.condition=label" --variant "gan.condition=classifier" \
	--variant "gan.condition=conformal" --variant "gan.progressive=true gan.pretrain_pool=s1_s3" \
	--variant "gan.loss=wasserstein gan.n_critic=5" --variant "gan.generator=unet"
TEMPORAL = gan.loss=wasserstein gan.n_critic=5 gan.input=temporal temporal.specaugment_copies=1 gan.epochs=8
TEMPORAL_ROWS ?= $(foreach e,3dcnn lstm transformer,--variant "$(TEMPORAL) temporal.encoder=$(e)")
PAPER_ROW ?= --variant "gan.width=64 gan.bottleneck=1280 gan.epochs=100"
SOURCE_ROW ?= --variant "gan.source_dropout=0.0"

tables: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report run --folds $(FOLDS) --start-fold $(START_FOLD) \
		--set "$(TABLE_SET)" --jobs $(JOBS) $(VARIANTS) $(TEMPORAL_ROWS) $(PAPER_ROW) $(SOURCE_ROW)
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report collect $(COLLECT) --results docs/results.md --readme README.md --where "$(TABLE_SET)"
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report summary --readme README.md --results docs/results.md

# The papers' own regime: scarce audio, plentiful faces (docs/studies.md, "The audio budget"). At each
# share of S3's actors that keep their audio (BUDGETS), the label GAN generates from the budget's faces
# and the conformal one from every face (the budget's, S3's others and the pool's), against the fair
# baseline, the pseudo-label control and the oracle of the same size; classifiers train at least
# classifier.min_epochs epochs, so that a few actors' audio does not keep an untrained model.
# 0.33 keeps 4 of S3's 12 actors: with 1-2 actors' audio the audio CNN stays near chance (the budget
# curve, docs/results.md). The curve adds 3 and all of S3's actors to its points.
# Across the face-voice link (LINKS, besides params.yaml's): each link is another corpus, run at the
# smallest budget; the report adds the dose-response figure (reports/budget/links.png).
BUDGETS ?= 0.33 1.0
LINKS ?= 0.0 1.0
# bf16: the bf16 study could not tell its results from fp32's (docs/studies.md); about twice as fast.
BUDGET_SET ?= eval.seeds=3 classifier.min_epochs=20 eval.curve_actors=[1,2,3,4,6,12] classifier.precision=bf16
SMALLEST = $(firstword $(BUDGETS))
# the two GANs of the study, a comma between the params of one (make splits words on spaces)
BUDGET_GANS = gan.condition=label gan.condition=conformal,generate.sources=all
comma := ,
empty :=
space := $(empty) $(empty)
gan = $(subst $(comma),$(space),$(1))

# Fold by fold (a study cut short leaves whole folds): in each, the label GAN on every corpus and budget, then
# generation from every face on each, so that two jobs never start the same fold's corpus at once and the second
# GAN of a corpus restores the first one's shared stages from the run cache. The ledger keeps the finished
# experiments in the repository: a study longer than one machine's lease is queued again elsewhere with the
# same command, skips the folds the ledger holds, and is reported whole (docs/studies.md).
BUDGET_LEDGER ?= reports/budget/ledger.json.gz
budget: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report run --folds $(FOLDS) --start-fold $(START_FOLD) \
		--set "$(BUDGET_SET)" --jobs $(JOBS) --by-fold --ledger $(BUDGET_LEDGER) \
		$(foreach g,$(BUDGET_GANS),--variant "split.audio_share=$(SMALLEST) $(call gan,$(g))" \
		$(foreach l,$(LINKS),--variant "corpus.face_voice_link=$(l) split.audio_share=$(SMALLEST) $(call gan,$(g))") \
		$(foreach b,$(wordlist 2,9,$(BUDGETS)),--variant "split.audio_share=$(b) $(call gan,$(g))"))
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report collect $(COLLECT) --out reports/budget \
		--results docs/results.md --block budget --readme README.md --where "$(BUDGET_SET)" --ledger $(BUDGET_LEDGER)

# MRPN over training seeds (docs/results.md, "MRPN on the default corpus"): train_mrpn alone, once per seed count
# (each experiment trains every variant on MRPN's own folds with that many seeds and pools them), then the
# table of N2 against N0 and N1 and every fusion model against the better unimodal one, with half-widths.
MRPN_SEEDS ?= 3 5
MRPN_SET ?=
mrpn: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report run --folds 1 --targets train_mrpn --jobs $(JOBS) \
		$(if $(MRPN_SET),--set "$(MRPN_SET)") $(foreach s,$(MRPN_SEEDS),--variant "mrpn.seeds=$(s)")
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report mrpn $(COLLECT) --results docs/results.md \
		$(if $(MRPN_SET),--where "$(MRPN_SET)")

# Faces over actor folds (docs/results.md, "Faces: features vs pixels"): face_study alone (and what it needs) on every
# fold, then each face input x model pooled over all folds' test actors, with half-widths.
FACES_SET ?=
faces: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report run --folds $(FOLDS) --targets face_study --jobs $(JOBS) \
		$(if $(FACES_SET),--set "$(FACES_SET)")
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report faces $(COLLECT) --results docs/results.md \
		$(if $(FACES_SET),--where "$(FACES_SET)")

# Paper size on the CPU (docs/benchmarks.md, "Paper size on the CPU"): a CREMA-D-sized synthetic corpus
# through every stage in a copy of the repository, each stage's wall time and peak memory; hours on 2 cores.
# `make rehearsal REHEARSAL=--resume` goes on where a stopped run ended; REHEARSAL="--again STAGE" re-measures a
# finished stage with today's code.
REHEARSAL ?=
rehearsal: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(PY) benchmarks/rehearsal.py --doc docs/benchmarks.md $(REHEARSAL)

# Paper scale on a GPU (docs/scale.md): a CREMA-D-sized synthetic corpus (91 actors x 82 clips),
# the papers' model sizes and 100 epochs, 5 actor folds, the dacssGAN label row and the tc-wGAN
# 3D-CNN row; reports/paper/. Add rows with more --variant strings.
PAPER = corpus.n_actors=91 corpus.sentences=[IEO,TIE,IOM,IWW,TAI,MTI,IWL,ITH,DFA,ITS,TSI,WSI] \
	corpus.levels=[LO,MD,HI] corpus.workers=16 preprocess.workers=16 split.units=10 split.s1_units=3 \
	split.s2_units=2 split.s3_units=3 split.s4_units=2 classifier.width=64 classifier.audio_width=64 \
	gan.width=64 gan.bottleneck=1280 gan.epochs=100 gan.batch_size=64 temporal.frame_features=128 \
	temporal.epochs=50 train.device=cuda train.bf16=true

paper: install
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report run --folds 5 --variant "$(PAPER) gan.condition=label" \
		--variant "$(PAPER) gan.loss=wasserstein gan.n_critic=5 gan.input=temporal temporal.encoder=3dcnn"
	PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/avemo report collect --out reports/paper

