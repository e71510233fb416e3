"""A local Spark session (pyspark's local mode, Java from the system) shared by the Spark tests.

Spark's Python workers are separate processes: they run this interpreter (PYSPARK_PYTHON) and reach the
sandboxes over loopback HTTP like any client. Filter pushdown into Python data sources is a Spark setting
(``spark.sql.python.filterPushdown.enabled``); it is on here, and each test that pushes filters also asks
for it with the data source's ``pushFilters`` option.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pyspark = pytest.importorskip("pyspark", reason="the Spark data source needs the spark extra")

if shutil.which("java") is None:  # scripts/setup.sh installs Debian's JDK; without it Spark cannot start
    pytest.skip("Spark needs Java (scripts/setup.sh --with-system installs it)", allow_module_level=True)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    from pipedrive_sql.spark import register

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("pipedrive-sql tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.python.filterPushdown.enabled", "true")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    register(session)
    yield session
    session.stop()
