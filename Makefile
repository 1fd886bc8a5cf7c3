# PlanAlign front door. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLANALIGN := $(BIN)/planalign
DBT := $(BIN)/dbt

SCENARIO ?= baseline
START ?=
END ?=
Y ?=
CENSUS ?=
CENSUS_SHEET ?=
N ?= 100000
SEED ?= 7
OUT ?= data/census_$(N).parquet

# The variables each target reads from the command line (make simulate SCENARIO=acme ...); PYTHON and the
# settings PLANALIGN_* go with any. Any other (SCENARO=, or REPLICATION= given to batch for REPLICATIONS=) is
# refused before anything runs, with the target's list, instead of being silently ignored. Only the command line
# is checked ($(origin) "command line"): variables of the environment never trip it.
scenario_vars := SCENARIO PLAN CENSUS CENSUS_SHEET SET REPLICATIONS DRY_RUN
vars_simulate := $(scenario_vars) START END CLEAR TARGET
vars_year := $(scenario_vars) Y START
vars_batch := SCENARIOS PLANS SET REPLICATIONS DRY_RUN CLEAR RESUME START END TORNADO VARY UNCERTAINTY
vars_resume := $(scenario_vars) CLEAR START END
vars_restore := BACKUP YES
vars_compare := BASE ALT FORMAT
vars_export := $(scenario_vars) FORMAT
vars_workforce-at := DATE SCENARIO PLAN REPLICATION
vars_timeline := EMPLOYEE SCENARIO PLAN REPLICATION
vars_census := N SEED OUT
vars_census-history := N YEARS SCENARIO OUT SEED LEAVERS SET
vars_calibrate := SCENARIO TARGET_PAY_GROWTH SOLVE CENSUS START END YEARS SET
vars_fit := HISTORY NAME FORCE CENSUS_SHEET PAY_BAND_INCREASE HISTORY_PLAN
vars_backtest := HISTORY HOLDOUT REPLICATIONS NAME GROWTH SEED SCENARIO
vars_bench := SIZES YEARS SEED REPLICATIONS NOTES RESULTS
vars_bench-compare := RESULTS
vars_status := VERIFY
vars_test-spark := PYTEST
vars_sensitivity := SCENARIO PLAN BASE VARY CENSUS SET REPLICATIONS START END
goals := $(or $(MAKECMDGOALS),help)
allowed_variables := PYTHON PLANALIGN_% $(foreach g,$(goals),$(vars_$(g)))
command_line_variables := $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))
unknown_variables := $(filter-out $(allowed_variables),$(command_line_variables))
ifneq ($(unknown_variables),)
$(error make $(goals): unknown variable $(addsuffix =,$(unknown_variables)) on the command line (misspelt?); $(goals) takes: $(or $(sort $(foreach g,$(goals),$(vars_$(g)))),no variables) (and PLANALIGN_* settings))
endif

# The engine dbt builds on: duckdb (the default; profiles.yml output local) or spark (output spark: make setup-spark,
# docs/scaling-out.md). Any other is refused before anything runs.
TARGET ?= duckdb
ifneq ($(filter-out duckdb spark,$(TARGET)),)
$(error make $(goals): unknown TARGET=$(TARGET); use TARGET=duckdb (the default) or TARGET=spark (after make setup-spark))
endif
target_args = $(if $(filter spark,$(TARGET)),--target spark)

# SET="workforce.target_growth_rate=0.05 plan.investment_return_rate=0.04": one --set per word
set_args = $(foreach s,$(SET),--set $(s))
run_args = $(set_args) $(if $(REPLICATIONS),--replications $(REPLICATIONS)) $(if $(DRY_RUN),--dry-run)
scenario_args = --scenario $(SCENARIO) $(if $(CENSUS),--census $(CENSUS)) $(if $(CENSUS_SHEET),--census-sheet "$(CENSUS_SHEET)") $(if $(PLAN),--plan-design $(PLAN)) $(run_args)
clear_args = $(if $(CLEAR),--clear $(CLEAR))

.PHONY: help setup setup-spark test-spark deps simulate year batch resume restore status compare export workforce-at timeline version census census-history calibrate fit sensitivity check-config lint unit test-fast test test-critical validate bench bench-compare docs clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

setup: $(BIN)/dbt deps  ## create .venv, install pinned deps and dbt packages (offline fallback)

$(BIN)/dbt: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/dbt

# Apache Spark for TARGET=spark: dbt-spark (method session) and pyspark, the versions pinned in pyproject.toml's
# extra `spark`, into the same venv; Spark needs Java 17 or later (Debian: openjdk-17-jre-headless).
setup-spark: $(BIN)/dbt  ## install dbt-spark and pyspark (pinned, extra spark) into .venv for TARGET=spark
	@command -v java >/dev/null || { echo "error: Spark needs Java 17 or later: install it (Debian: apt-get install openjdk-17-jre-headless)"; exit 2; }
	$(BIN)/pip install --quiet -e '.[dev,spark]'

deps:  ## install dbt packages from the hub, or the offline fallback when it is unreachable
	@bash scripts/install_dbt_packages.sh $(DBT)

simulate:  ## simulate START..END (default: the scenario's years; a later START: the census is Jan 1 of START); SCENARIO= PLAN= CENSUS= CENSUS_SHEET= SET= REPLICATIONS= DRY_RUN=1 TARGET=duckdb|spark
	$(PLANALIGN) simulate $(scenario_args) $(target_args) $(clear_args) $(if $(START),--start $(START)) $(if $(END),--end $(END))

year:  ## (re-)run one year: make year Y=2026 [START=] (a run opened in a later START is found in the database)
	@test -n "$(Y)" || { echo "error: say which year, e.g. make year Y=2026"; exit 2; }
	$(PLANALIGN) year $(scenario_args) $(if $(START),--start $(START)) $(Y)

batch:  ## a grid into one database, ending with the decision summary (page, workbook) of the first against the others: make batch SCENARIOS="baseline qaca_switch" [PLANS="baseline qaca"] [REPLICATIONS=20] [START= END=] [RESUME=1] [TORNADO=0] [VARY=] [UNCERTAINTY=0]
	@test -n "$(SCENARIOS)" || { echo 'error: say which scenarios, e.g. make batch SCENARIOS="baseline qaca_switch"'; exit 2; }
	$(PLANALIGN) batch --scenarios "$(SCENARIOS)" $(if $(PLANS),--plans "$(PLANS)") $(run_args) $(clear_args) $(if $(RESUME),--resume) $(if $(START),--start $(START)) $(if $(END),--end $(END)) $(if $(filter 0 no false,$(TORNADO)),--no-tornado) $(if $(VARY),--vary "$(VARY)") $(if $(filter 0 no false,$(UNCERTAINTY)),--no-assumption-uncertainty)

compare:  ## make compare BASE=baseline ALT="qaca_switch high_growth" (scenario or scenario/design)
	@test -n "$(BASE)" -a -n "$(ALT)" || { echo 'error: say what to compare, e.g. make compare BASE=baseline ALT=qaca_switch'; exit 2; }
	$(PLANALIGN) compare --base $(BASE) $(foreach a,$(ALT),--alt $(a)) $(if $(FORMAT),--format $(FORMAT))

export:  ## a scenario's workbook (FORMAT=xlsx, default) or its snapshot and events (FORMAT=parquet|csv)
	$(PLANALIGN) export $(scenario_args) $(if $(FORMAT),--format $(FORMAT))

sensitivity:  ## tornado of the horizon's net employer cost: make sensitivity SCENARIO= [PLAN= BASE=<design>] [VARY="termination_rate=0.10:0.14 pay_growth=-0.5pt:+0.5pt"] [START= END= REPLICATIONS= SET=]
	$(PLANALIGN) sensitivity --scenario $(SCENARIO) $(if $(CENSUS),--census $(CENSUS)) $(if $(PLAN),--plan-design $(PLAN)) $(if $(BASE),--base $(BASE)) $(if $(VARY),--vary "$(VARY)") $(run_args) $(if $(START),--start $(START)) $(if $(END),--end $(END))

report_args = --scenario $(SCENARIO) $(if $(PLAN),--plan-design $(PLAN)) $(if $(REPLICATION),--replication $(REPLICATION))

workforce-at:  ## time machine: make workforce-at DATE=2027-06-30 [SCENARIO= PLAN= REPLICATION=] -> reports/<scenario>/<design>/
	@test -n "$(DATE)" || { echo "error: say which date, e.g. make workforce-at DATE=2027-06-30"; exit 2; }
	$(PLANALIGN) workforce-at --date $(DATE) $(report_args)

timeline:  ## one employee's events: make timeline EMPLOYEE=EMP_0000123 [SCENARIO= PLAN= REPLICATION=]
	@test -n "$(EMPLOYEE)" || { echo "error: say which employee, e.g. make timeline EMPLOYEE=EMP_0000123"; exit 2; }
	$(PLANALIGN) timeline --employee $(EMPLOYEE) $(report_args)

status:  ## what the database holds: years, checkpoints (row counts; VERIFY=1: digests), last runs, lock, backups
	$(PLANALIGN) status $(if $(VERIFY),--verify)

version:  ## planalign, dbt and duckdb versions
	$(PLANALIGN) --version

resume:  ## continue after a crash: skips the years whose checkpoint matches (SCENARIO=, PLAN=, START=, END=)
	$(PLANALIGN) resume $(scenario_args) $(clear_args) $(if $(START),--start $(START)) $(if $(END),--end $(END))

restore:  ## put back the latest backup (or BACKUP=<name>); asks first unless YES=1
	$(PLANALIGN) restore $(BACKUP) $(if $(YES),--yes)

census:  ## write a synthetic census: make census N=100000 SEED=7 OUT=data/acme.parquet (.csv, .xlsx)
	$(PLANALIGN) census --n $(N) --seed $(SEED) --out $(OUT)

census-history:  ## yearly censuses from a simulated scenario: make census-history N=20000 YEARS=4 SCENARIO=baseline OUT=folder/ [SEED=7] [LEAVERS=dated|absent]
	@test "$(origin OUT)" = "command line" || { echo "error: say which new folder, e.g. make census-history N=20000 YEARS=4 OUT=data/history/"; exit 2; }
	$(PLANALIGN) census-history --n $(N) --years $(YEARS) --scenario $(SCENARIO) --out $(OUT) --seed $(SEED) $(if $(LEAVERS),--leavers $(LEAVERS)) $(set_args)

calibrate:  ## solve merit (or COLA) scale for a pay growth: make calibrate SCENARIO=baseline TARGET_PAY_GROWTH=0.035 [SOLVE=merit|cola] [START= END=|YEARS=] [CENSUS=]; or the new-hire level mix that holds the level mix at zero growth: SOLVE=level_mix
	@test -n "$(TARGET_PAY_GROWTH)" -o "$(SOLVE)" = level_mix || { echo "error: say which growth, e.g. make calibrate TARGET_PAY_GROWTH=0.035 (or SOLVE=level_mix)"; exit 2; }
	$(PLANALIGN) calibrate --scenario $(SCENARIO) $(if $(TARGET_PAY_GROWTH),--target-pay-growth $(TARGET_PAY_GROWTH)) $(if $(SOLVE),--solve $(SOLVE)) $(if $(CENSUS),--census $(CENSUS)) $(if $(START),--start $(START)) $(if $(END),--end $(END)) $(if $(filter command line,$(origin YEARS)),--years $(YEARS)) $(set_args)

fit:  ## assumptions fitted from yearly snapshots (.csv, .parquet, .xlsx): make fit HISTORY="census_2023.csv census_2024.csv" NAME=acme [FORCE=1] [CENSUS_SHEET=name] [PAY_BAND_INCREASE=rate] [HISTORY_PLAN=design]
	@test -n "$(HISTORY)" -a -n "$(NAME)" || { echo 'error: say which snapshots and a name, e.g. make fit HISTORY="census_2023.csv census_2024.csv" NAME=acme'; exit 2; }
	$(PLANALIGN) fit $(HISTORY) --name $(NAME) $(if $(FORCE),--force) $(if $(CENSUS_SHEET),--census-sheet "$(CENSUS_SHEET)") $(if $(PAY_BAND_INCREASE),--pay-band-increase $(PAY_BAND_INCREASE)) $(if $(HISTORY_PLAN),--history-plan $(HISTORY_PLAN))

backtest:  ## fit all but the last HOLDOUT snapshots, simulate those years, score: make backtest HISTORY="census_2023.csv ... census_2026.csv" HOLDOUT=1 REPLICATIONS=20 [NAME=acme] [GROWTH=observed|fitted] [SEED=] [SCENARIO=truth: no fit]
	@test -n "$(HISTORY)" || { echo 'error: say which snapshots, e.g. make backtest HISTORY="census_2023.csv census_2024.csv census_2025.csv" HOLDOUT=1'; exit 2; }
	$(PLANALIGN) backtest $(HISTORY) $(if $(HOLDOUT),--holdout $(HOLDOUT)) $(if $(REPLICATIONS),--replications $(REPLICATIONS)) $(if $(NAME),--name $(NAME)) $(if $(GROWTH),--growth $(GROWTH)) $(if $(filter command line,$(origin SEED)),--seed $(SEED)) $(if $(filter command line,$(origin SCENARIO)),--scenario $(SCENARIO))

check-config:  ## validate the assumption seeds, every scenario file (with its own tables) and the seeded plan designs (safe-harbor claims and ndt_correction included)
	$(PLANALIGN) check-config

lint:  ## ruff on Python, SQLFluff on the models
	$(BIN)/ruff check scripts hooks tests
	mkdir -p target && PLANALIGN_DB=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests/critical analyses

# The int_*_selected tables are built empty first: CSV fixtures take their column types from them
# (int_plan_match_tiers_selected and int_vesting_schedule_selected stay tables for this: a unit test
# cannot give CSV rows for an ephemeral model).
unit:  ## dbt unit tests of the branchy rules (fixed vars, no census needed)
	mkdir -p target && export PLANALIGN_DB=$(CURDIR)/target/unit.duckdb && \
		$(DBT) seed --full-refresh --quiet && $(DBT) run --empty --quiet --select 'int_*_selected' && \
		$(DBT) test --select test_type:unit

test-fast:  ## the unit tests: pure Python, no dbt (seconds)
	$(BIN)/pytest -q tests/unit

# Two pytest-xdist workers, a test file each at a time (module fixtures are built once); each worker's dbt has
# its own target folder (tests/conftest.py). The tests marked serial change a file of the project for a while
# (a seed): they run after, alone.
test:  ## every pytest test: tests/unit, then tests/integration (real dbt on small fixture censuses), two at a time
	$(BIN)/pytest -q --durations=30 -n 2 --dist loadfile -m "not serial and not spark" tests/unit tests/integration
	$(BIN)/pytest -q -m "serial and not spark" tests/unit tests/integration

test-spark:  ## the parity test: 1,000 employees x 3 years, a replication set of 3 and a second scenario and design, on DuckDB and on Spark: identical events, snapshots and reports (make setup-spark first; minutes)
	$(BIN)/pytest -q -m spark tests/integration/test_spark_parity.py $(PYTEST)

test-critical:  ## the tripwires on the current database (failing rows are stored)
	cd $(CURDIR) && $(DBT) test --select tag:critical

validate: lint check-config unit test  ## what CI runs

SIZES ?= 10000 100000
YEARS ?= 5
bench_args = $(foreach n,$(SIZES),--n $(n)) --years $(YEARS) --seed $(SEED) $(if $(REPLICATIONS),--replications $(REPLICATIONS)) \
	$(if $(NOTES),--notes "$(NOTES)") $(if $(RESULTS),--results $(RESULTS))

bench:  ## full runs as make simulate does them, appended to benchmarks/results.csv: SIZES="10000 100000" YEARS=5 SEED=7 REPLICATIONS= NOTES=
	$(PLANALIGN) bench $(bench_args)

bench-compare:  ## per census size, the latest benchmark row beside the previous one (Markdown)
	$(PLANALIGN) bench-compare $(if $(RESULTS),--results $(RESULTS))

# Offline: index.html is the page shipped inside dbt-core; no usage stats, nothing fetched.
docs:  ## dbt docs generate into target/index.html (catalog from PLANALIGN_DB, default db/planalign.duckdb)
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(DBT) docs generate --no-version-check
	@echo "open target/index.html (or: $(DBT) docs serve --port 8080)"

clean:  ## remove build output (never the database or reports)
	rm -rf target logs/dbt_*.log
