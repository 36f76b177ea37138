# Every target creates and reuses .venv by itself (re-installs only when pyproject.toml changes).
# Variables: DOMAIN CONFIG MODEL METHOD METHODS MAX_STEPS OUTPUT RUN RESUME LAUNCHER NPROC ACCEL_CONFIG ARGS
#            STAGE (sft|dpo: one stage of an SFT-then-DPO domain; default both)
#            compare: METHODS SIZES (size presets, e.g. small,medium,large, for the methods that have them)
#            demo: PORT RUNS_ROOT (the hub's runs folder)
#            eval: LIMIT SAMPLES; lm-eval: LM_EVAL_BACKEND (hf|server) LIMIT; judge: JUDGE_MODEL LIMIT CONCURRENCY MAX_TOKENS
#            judge-calibrate: JUDGES GOLD PAIRS ATTACKS
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOMAIN ?= telecom
CONFIG ?= default
LAUNCHER ?= python
NPROC ?= 2
ACCEL_CONFIG ?= ddp_cpu
PORT ?= 7860
TEST_ARGS ?=
LM_EVAL_BACKEND ?= hf
RUNS_ROOT ?= runs
# `make demo` starts the hub unless DOMAIN is given (command line or environment), not just the default above.
DEMO_DOMAIN := $(if $(filter file,$(origin DOMAIN)),,$(DOMAIN))

RESUME_OVERRIDE := $(if $(filter 1 yes true,$(RESUME)),train.resume=always,$(if $(filter 0 no false,$(RESUME)),train.resume=never))
OVERRIDES := $(if $(MODEL),model.source=$(MODEL)) $(if $(METHOD),peft.method=$(METHOD)) \
  $(if $(MAX_STEPS),train.max_steps=$(MAX_STEPS)) $(if $(OUTPUT),output_dir=$(OUTPUT)) $(RESUME_OVERRIDE) \
  $(if $(STAGE),train.stage=$(STAGE)) $(ARGS)

METHODS ?= lora,adalora,bitfit,s2lora

.PHONY: setup finetune eval demo hub compare bench test test-all lint clean ls lm-eval judge judge-calibrate \
  judge-server judge-server-stop bench-judge bench-sampling bench-dpo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

ls: setup
	$(BIN)/cookbook ls

finetune: setup
ifeq ($(LAUNCHER),accelerate)
	$(BIN)/accelerate launch --config_file configs/accelerate/$(ACCEL_CONFIG).yaml --num_processes $(NPROC) \
	  -m cookbook.cli train $(DOMAIN) --config $(CONFIG) $(OVERRIDES)
else
	$(BIN)/cookbook train $(DOMAIN) --config $(CONFIG) $(OVERRIDES)
endif

# LIMIT=n: the first n examples of each test split; SAMPLES=k: k completions per prompt (pass@k domains).
eval: setup
	$(BIN)/cookbook eval $(DOMAIN) --run "$(RUN)" $(if $(LIMIT),eval.max_samples=$(LIMIT)) \
	  $(if $(SAMPLES),eval.samples=$(SAMPLES)) $(ARGS)

compare: setup
	$(BIN)/cookbook compare $(DOMAIN) --methods $(METHODS) $(if $(SIZES),--sizes $(SIZES)) --config $(CONFIG) \
	  $(if $(OUTPUT),--output $(OUTPUT)) \
	  $(if $(MODEL),model.source=$(MODEL)) $(if $(MAX_STEPS),train.max_steps=$(MAX_STEPS)) $(ARGS)

# No DOMAIN: the hub (every domain, its latest finished run in RUNS_ROOT/<domain>/, its demo in a tab);
# DOMAIN=x RUN=dir: that domain's own demo.
demo: setup
ifeq ($(DEMO_DOMAIN),)
	$(BIN)/cookbook demo --runs-root "$(RUNS_ROOT)" --port $(PORT)
else
	$(BIN)/cookbook demo $(DEMO_DOMAIN) --run "$(RUN)" --port $(PORT)
endif

hub: setup
	$(BIN)/cookbook demo --runs-root "$(RUNS_ROOT)" --port $(PORT)

# lm-eval's own model classes on the domain task (the folder its recipe names, e.g. domains/telecom/lm_eval/):
# hf in-process with peft=<adapter>, or server = local-chat-completions against `make judge-server`.
# -> RUN/lm_eval/results_<backend>.json, summary.md
lm-eval: setup
	$(BIN)/python -m judges.lm_eval_run --domain $(DOMAIN) --run "$(RUN)" --backend $(LM_EVAL_BACKEND) \
	  $(if $(LIMIT),--limit $(LIMIT)) $(ARGS)

# SFT: ours vs a plain TRL script -> reports/bench/sft.json; pass@10 sampling on HumanEval: batched vs a
# per-sample loop -> reports/bench/codegen.json (`make bench-sampling` alone); DPO: ours vs a plain DPOTrainer
# script on the clinical pairs -> reports/bench/dpo.json (`make bench-dpo` alone).
bench: setup
	$(BIN)/cookbook bench domain=$(DOMAIN) $(ARGS)
	$(MAKE) --no-print-directory bench-sampling
	$(MAKE) --no-print-directory bench-dpo

bench-dpo: setup
	$(BIN)/cookbook bench-dpo domain=clinical output=reports/bench/dpo.json

bench-sampling: setup
	$(BIN)/cookbook bench-sampling domain=code output=reports/bench/codegen.json

# LLM-as-judge (judges/). JUDGE_MODEL picks the judge (default: the best judge in docs/judge_calibration.json that is
# here, else Qwen2.5-Coder-0.5B-Instruct). Each target uses
# the running judge server or starts one for its own duration.
JUDGE_OPTS := $(if $(LIMIT),--limit $(LIMIT)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) \
  $(if $(MAX_TOKENS),--max-tokens $(MAX_TOKENS))

judge: setup
	$(BIN)/python -m judges.cli judge --domain $(DOMAIN) --run "$(RUN)" $(JUDGE_OPTS) $(ARGS)

# Every judge (JUDGES=a,b to pick; default: the offline ones and the latest judge adapter run) against the domain's
# gold labels (GOLD=path.jsonl for your own), RUN's tuned-vs-base pairs (default: the domain's latest finished run;
# PAIRS=n of them) and its attacks -> docs/judge_calibration.{json,md,png}
judge-calibrate: setup
	$(BIN)/python -m judges.cli calibrate --domain $(DOMAIN) $(if $(RUN),--run "$(RUN)") $(if $(GOLD),--gold "$(GOLD)") \
	  $(if $(JUDGES),--judges "$(JUDGES)") $(if $(PAIRS),--pairs $(PAIRS)) \
	  $(if $(ATTACKS),--attacks $(ATTACKS)) $(JUDGE_OPTS) $(ARGS)

judge-server: setup
	$(BIN)/python -m judges.cli server-start $(if $(RUN),--run "$(RUN)") $(ARGS)

judge-server-stop: setup
	$(BIN)/python -m judges.cli server-stop

bench-judge: setup
	$(BIN)/python -m judges.cli bench --domain $(DOMAIN) $(if $(RUN),--run "$(RUN)") $(ARGS)

test: setup
	$(BIN)/python -m pytest $(TEST_ARGS)

test-all: setup
	$(BIN)/python -m pytest -m "" $(TEST_ARGS)

lint: setup
	$(BIN)/ruff check cookbook domains judges apps tests

clean:
	rm -rf runs .pytest_cache .ruff_cache build *.egg-info
