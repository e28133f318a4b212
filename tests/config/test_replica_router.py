"""Report reads can go to a read replica; nothing else does."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config.routers import ReportsReplicaRouter, reporting_reads, reports_alias
from reports import stats
from reports.aggregation import wave_report
from reports.viewers import Viewer
from surveys.models import Response, Wave

HAS_REPLICA = "replica" in django_settings.DATABASES


@pytest.fixture
def replica_configured(settings):
    settings.REPORTS_READ_FROM_REPLICA = True
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_reads_go_to_the_replica_only_inside_report_work(replica_configured):
    router = ReportsReplicaRouter()
    assert router.db_for_read(Response) is None
    with reporting_reads():
        assert router.db_for_read(Response) == "replica"
        assert router.db_for_write(Response) is None  # writes always on the primary
        assert reports_alias() == "replica"
    assert reports_alias() == "default"
    assert router.allow_migrate("replica", "surveys") is False
    assert router.allow_migrate("default", "surveys") is True


def test_without_a_replica_everything_stays_on_the_primary(settings):
    settings.REPORTS_READ_FROM_REPLICA = False
    with reporting_reads():
        assert ReportsReplicaRouter().db_for_read(Response) is None
        assert reports_alias() == "default"


@pytest.mark.skipif(
    not HAS_REPLICA, reason="a replica alias exists on PostgreSQL only (config/settings/test.py)"
)
@pytest.mark.django_db(
    transaction=True, databases=["default", "replica"] if HAS_REPLICA else ["default"]
)
def test_a_report_reads_its_responses_from_the_replica(settings, open_wave, org, monkeypatch):
    from reports.models import WaveStatsCache
    from surveys.services.responses import response_submit
    from surveys.services.waves import wave_set_status

    for unit in ("N-ED", "S-MED"):
        for _ in range(6):
            response_submit(wave=open_wave, answers={"A1": 3}, unit=org[unit], source="open_link")
    wave = wave_set_status(wave=wave_set_status(wave=open_wave, status="closed"), status="released")
    WaveStatsCache.objects.all().delete()
    stats.clear_cache()
    settings.REPORTS_READ_FROM_REPLICA = True
    used: list[str] = []
    copy = stats._copy_matrices

    def spy(connection, *args):
        used.append(connection.alias)
        return copy(connection, *args)

    monkeypatch.setattr(stats, "_copy_matrices", spy)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        report = wave_report(wave=Wave.objects.get(pk=wave.pk), viewer=Viewer("hr"))
    assert report.focus.respondents.n == 12
    replica_sql = " ".join(query["sql"] for query in on_replica.captured_queries)
    primary_sql = " ".join(query["sql"] for query in on_primary.captured_queries)
    assert used == ["replica"]  # the responses are streamed from the replica (COPY)
    assert "surveys_orgunit" in replica_sql  # so is the tree
    assert "surveys_orgunit" not in primary_sql
    assert "reports_wavestatscache" in primary_sql  # the statistics are written on the primary
