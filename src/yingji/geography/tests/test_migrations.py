"""The population grid's move from the warnings app keeps the rows of an existing database.

A SQLite file is migrated with `yingji migrate` in a subprocess to where main left the warnings app
(the grid in `early_warnings_populationgrid`) and given a grid row, then forward and back again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

OLD_TABLE, NEW_TABLE = "early_warnings_populationgrid", "geography_populationgrid"
COLUMNS = (
    "region_id, west, south, cell_lon, cell_lat, rows, cols, county_codes, people, county_index, "
    "township_codes, township_index, village_cells, total_people, method, built_at"
)
GRID = (
    "140900",
    111.9,
    38.2,
    0.0115553,
    0.0089932,
    2,
    3,
    json.dumps(["140902"]),
    bytes(range(24)),
    bytes(24),
    json.dumps(["140902001000"]),
    bytes(24),
    json.dumps({"140902001001": 4}),
    15.0,
    "方法说明",
    "2026-11-29 00:00:00",
)


def migrate(database: Path, *target: str) -> None:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{database}", "YINGJI_VAR_DIR": str(database.parent)}
    subprocess.run(
        [sys.executable, "-m", "yingji.cli", "migrate", "--noinput", "-v0", *target],
        env=env,
        check=True,
        capture_output=True,
    )


def tables(database: Path) -> set[str]:
    with closing(sqlite3.connect(database)) as connection:
        return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def grid_rows(database: Path, table: str) -> list[tuple]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(f"SELECT {COLUMNS} FROM {table}").fetchall()


@pytest.fixture
def database_from_main(tmp_path: Path) -> Path:
    """A database migrated as far as main went, with a city and its population grid in the old table."""
    database = tmp_path / "yingji.sqlite3"
    migrate(database, "early_warnings", "0002_warning_types")
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            "INSERT INTO core_region (code, name, level, path, population, population_is_estimate, area_km2) "
            "VALUES ('140900', '忻州市', 'city', '140900/', 2689668, 0, 25152.0)"
        )
        connection.execute(f"INSERT INTO {OLD_TABLE} ({COLUMNS}) VALUES ({', '.join('?' * len(GRID))})", GRID)
    return database


@pytest.mark.slow(reason="runs every migration in subprocesses, forward to geography and back again")
def test_migrating_moves_the_grid_rows_to_the_geography_table_and_back(database_from_main):
    migrate(database_from_main, "geography")
    assert OLD_TABLE not in tables(database_from_main)
    assert grid_rows(database_from_main, NEW_TABLE) == [GRID]

    migrate(database_from_main, "early_warnings", "0002_warning_types")
    assert NEW_TABLE not in tables(database_from_main)
    assert grid_rows(database_from_main, OLD_TABLE) == [GRID]
