"""Census staging: every bad row lands in rejects with its reason; raw = staged + rejected + excluded."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from conftest import END, EXPECTED_REJECTS, ROOT, START, query, run_planalign, write_scenario


def test_every_bad_row_kind_is_rejected_with_its_reason(simulated):
    rejects = sorted(query(simulated["db"], "select coalesce(employee_id, ''), reject_reason from stg_census__rejects"))
    assert rejects == EXPECTED_REJECTS


def test_raw_rows_equal_staged_plus_rejected_plus_excluded(simulated):
    raw = sum(1 for _ in simulated["census"].open()) - 1
    counts = dict(query(simulated["db"], "select row_status, count(*) from stg_census__rows group by 1"))
    assert counts["rejected"] == len(EXPECTED_REJECTS)
    assert counts["excluded"] >= 1
    assert counts["staged"] + counts["rejected"] + counts["excluded"] == raw
    assert query(simulated["db"], "select count(*) from stg_census__employees")[0][0] == counts["staged"]
    assert f"{raw:,} rows = {counts['staged']:,} staged + {counts['rejected']:,} rejected" in simulated["output"]


def test_no_ssn_is_stored_anywhere(simulated):
    ssns = {"123-45-6789"} | {line.rsplit(",", 1)[1].strip()
                               for line in list(simulated["census"].open())[1:20]}
    with_columns = query(simulated["db"], """
        select table_name, column_name from information_schema.columns
        where data_type = 'VARCHAR' and table_schema = 'main'""")
    for table, column in with_columns:
        hits = query(simulated["db"], f'select count(*) from "{table}" where "{column}" in ?', [list(ssns)])
        assert hits == [(0,)], f"an SSN is stored in {table}.{column}"
    assert not any("ssn" == c for _, c in with_columns)


def test_generator_is_deterministic_and_reproduces_the_shipped_census(tmp_path):
    out = tmp_path / "default.csv"
    run_planalign("census", "--n", "5000", "--seed", "7", "--out", str(out), db=tmp_path / "x.duckdb")
    shipped = ROOT / "data" / "census_default.csv"
    assert hashlib.md5(out.read_bytes()).hexdigest() == hashlib.md5(shipped.read_bytes()).hexdigest()
    other = tmp_path / "other.csv"
    run_planalign("census", "--n", "5000", "--seed", "8", "--out", str(other), db=tmp_path / "x.duckdb")
    assert other.read_bytes() != out.read_bytes()


def test_planwise_layout_parquet_is_accepted(tmp_path, fixture_census):
    """The employee_* layout, as Parquet, stages the same employees."""
    parquet = tmp_path / "planwise.parquet"
    subprocess.run([sys.executable, "-c", f"""
import duckdb
duckdb.sql('''copy (select employee_id, birth_date as employee_birth_date, hire_date as employee_hire_date,
    termination_date as employee_termination_date, annual_compensation as employee_gross_compensation,
    deferral_rate as employee_deferral_rate, ssn as employee_ssn
    from read_csv('{fixture_census}', all_varchar = true) where employee_id like 'EMP_%')
    to '{parquet}' (format parquet)''')
"""], check=True)
    db = tmp_path / "planwise.duckdb"
    scenario = write_scenario(tmp_path / "s.yml", parquet, end_year=2025)
    run_planalign("simulate", "--scenario", str(scenario), db=db)
    staged = query(db, "select count(*), count(*) filter (where deferral_rate is not null) from stg_census__employees")
    expected_staged = sum(1 for line in fixture_census.open() if line.startswith("EMP_")) - \
        query(db, "select count(*) from stg_census__rows where row_status = 'excluded'")[0][0]
    assert staged[0][0] == expected_staged
    assert staged[0][1] > 0


def test_missing_required_column_is_one_clear_error(tmp_path):
    census = tmp_path / "no_hire_date.csv"
    census.write_text("employee_id,birth_date,annual_compensation\nA,1980-01-01,50000\n")
    db = tmp_path / "x.duckdb"
    result = run_planalign("simulate", "--scenario", str(write_scenario(tmp_path / "s.yml", census)),
                           db=db, check=False)
    assert result.returncode == 2
    assert "no column for hire_date" in result.stderr and "employee_hire_date" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not db.exists()


def test_bad_config_names_key_value_and_range_and_writes_nothing(tmp_path, fixture_census):
    db = tmp_path / "x.duckdb"
    scenario = write_scenario(tmp_path / "s.yml", fixture_census, workforce={"total_termination_rate": 1.5})
    result = run_planalign("simulate", "--scenario", str(scenario), db=db, check=False)
    assert result.returncode == 2
    assert "workforce.total_termination_rate = 1.5" in result.stderr
    assert "less than or equal to 0.9" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not db.exists()


def test_a_census_with_no_valid_row_says_so(tmp_path):
    census = tmp_path / "all_bad.csv"
    census.write_text("employee_id,birth_date,hire_date,annual_compensation\nA,1980-01-01,2010-01-01,0\n")
    result = run_planalign("simulate", "--scenario", str(write_scenario(tmp_path / "s.yml", census)),
                           db=tmp_path / "x.duckdb", check=False)
    assert result.returncode == 2
    assert "invalid_compensation 1" in result.stdout
    assert "the census has no row that can be simulated" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_rows_do_not_stop_the_run(simulated):
    """A census with a row of every bad kind is still simulated, every year, from its good rows alone."""
    db = simulated["db"]
    years = [year for (year,) in query(db, "select distinct simulation_year from fct_workforce_snapshot order by 1")]
    assert years == list(range(START, END + 1))
    assert "success" in simulated["output"] and "rejected: " in simulated["output"]
    rejected_ids = sorted({employee_id for employee_id, _ in EXPECTED_REJECTS if employee_id})
    assert query(db, "select count(*) from fct_workforce_snapshot where employee_id in ?", [rejected_ids]) == [(0,)]
    staged = dict(query(db, "select employee_id like 'EMP_%', count(*) from stg_census__employees group by 1"))
    assert staged.get(True, 0) > 250 and False not in staged  # only generated rows; LEFT_2023 left before 2025
