"""`streamscore report`: replay a job on DuckDB and write one self-contained HTML file with plots (inline
SVG, no scripts, nothing fetched): score distribution, scores over event time, alerts per window, model
quality when labels are present (AUC, calibration, error per segment), late rows per source, throughput.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from streamscore.errors import ConfigError

WIDTH, HEIGHT, PAD = 640, 240, 40
LEGEND = 150  # a line chart's legend column, right of the plot (never over the lines)


# -- SVG charts (pure functions: data in, markup out) -------------------------------------------------------
def _frame(title: str, body: str, x_label: str, y_label: str, legend: str = "") -> str:
    width = WIDTH + (LEGEND if legend else 0)
    return (f'<figure><svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{html.escape(title)}">'
            f'<rect x="0" y="0" width="{width}" height="{HEIGHT}" fill="#fff"/>{legend}'
            f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="{HEIGHT - PAD}" stroke="#333"/>'
            f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#333"/>{body}'
            f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11">{html.escape(x_label)}</text>'
            f'<text x="12" y="{HEIGHT / 2}" font-size="11" transform="rotate(-90 12 {HEIGHT / 2})" '
            f'text-anchor="middle">{html.escape(y_label)}</text></svg>'
            f'<figcaption>{html.escape(title)}</figcaption></figure>')


def _scale(values, low: float, high: float, out_low: float, out_high: float) -> np.ndarray:
    span = (high - low) or 1.0
    return out_low + (np.asarray(values, dtype=float) - low) / span * (out_high - out_low)


def _number(value: float) -> str:
    """An axis number people read at a glance: 1,050 / 12.5k / 3.2M / 0.25 / 2.0e-04, never 1.05e+03."""
    size = abs(value)
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if size >= scale:
            return f"{value / (scale if suffix != 'k' else 1e3):.3g}{suffix}"
    if size >= 100:
        return f"{value:,.0f}"
    if size == 0 or size >= 1e-3:
        return f"{value:.3g}"
    return f"{value:.1e}"


def _ticks(low: float, high: float, axis: str, fmt=_number) -> str:
    marks = []
    for value in np.linspace(low, high, 5):
        if axis == "x":
            x = _scale([value], low, high, PAD, WIDTH - 10)[0]
            marks.append(f'<text x="{x:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" text-anchor="middle">{fmt(value)}</text>')
        else:
            y = _scale([value], low, high, HEIGHT - PAD, 10)[0]
            marks.append(f'<text x="{PAD - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{fmt(value)}</text>')
    return "".join(marks)


def bar_chart(title: str, labels: list[str], values: list[float], x_label: str, y_label: str) -> str:
    top = max(values, default=0) or 1.0
    step = (WIDTH - 10 - PAD) / max(len(values), 1)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = _scale([value], 0, top, HEIGHT - PAD, 10)[0]
        bars.append(f'<rect class="bar" x="{PAD + i * step + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{HEIGHT - PAD - y:.1f}" fill="#3b6ea5"><title>{html.escape(str(label))}: {value:g}</title></rect>')
        if len(labels) <= 12:
            bars.append(f'<text x="{PAD + (i + 0.5) * step:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" '
                        f'text-anchor="middle">{html.escape(str(label))}</text>')
    return _frame(title, "".join(bars) + _ticks(0, top, "y"), x_label, y_label)


def histogram(title: str, values: np.ndarray, x_label: str, bins: int = 30) -> str:
    values = values[np.isfinite(values)]
    if not len(values):
        return f"<p>{html.escape(title)}: no values</p>"
    counts, edges = np.histogram(values, bins=bins)
    top = counts.max() or 1
    step = (WIDTH - 10 - PAD) / bins
    bars = "".join(
        f'<rect class="bar" x="{PAD + i * step:.1f}" y="{_scale([c], 0, top, HEIGHT - PAD, 10)[0]:.1f}" '
        f'width="{max(step - 1, 1):.1f}" height="{HEIGHT - PAD - _scale([c], 0, top, HEIGHT - PAD, 10)[0]:.1f}" '
        f'fill="#3b6ea5"/>' for i, c in enumerate(counts))
    return _frame(title, bars + _ticks(edges[0], edges[-1], "x") + _ticks(0, top, "y", lambda v: f"{v:.0f}"),
                  x_label, "rows")


def line_chart(title: str, x: np.ndarray, series: dict[str, np.ndarray], x_label: str, y_label: str,
               x_format=_number, diagonal: bool = False) -> str:
    colors = ["#3b6ea5", "#c0504d", "#4f9a56", "#8064a2"]
    every = np.concatenate([v[np.isfinite(v)] for v in series.values()]) if series else np.array([0.0])
    low, high = (0.0, 1.0) if diagonal else (float(np.nanmin(every)), float(np.nanmax(every)))
    x_low, x_high = (0.0, 1.0) if diagonal else (float(np.min(x)), float(np.max(x)))
    body, legend = [], []
    if diagonal:
        body.append(f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="10" stroke="#aaa" stroke-dasharray="4"/>')
    for (name, y), color in zip(series.items(), colors):
        ok = np.isfinite(y)
        xs, ys = _scale(x[ok], x_low, x_high, PAD, WIDTH - 10), _scale(y[ok], low, high, HEIGHT - PAD, 10)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
        body.append(f'<polyline class="series" points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        y = 18 + 16 * len(legend)
        legend.append(f'<line x1="{WIDTH + 4}" y1="{y - 4}" x2="{WIDTH + 20}" y2="{y - 4}" stroke="{color}" '
                      f'stroke-width="2"/><text class="legend" x="{WIDTH + 24}" y="{y}" font-size="11" '
                      f'fill="#333">{html.escape(name)}</text>')
    return _frame(title, "".join(body) + _ticks(x_low, x_high, "x", x_format) + _ticks(low, high, "y"),
                  x_label, y_label, "".join(legend))


# -- the report -------------------------------------------------------------------------------------------
@dataclass
class ReportSpec:
    score: str | None = None  # "sink.column"; default: a DOUBLE sink column named like a score
    label: str | None = None  # a SQL condition over the score's sink, e.g. "arr_delay >= 15"
    by: str | None = None  # segment column for the error per segment; default: the first string column


@dataclass
class Report:
    path: Path
    plots: int
    sections: list[str] = field(default_factory=list)


def _default_score(frames: dict[str, pd.DataFrame]) -> tuple[str, str] | None:
    for sink, frame in frames.items():
        for column in frame.columns:
            if frame[column].dtype.kind == "f" and any(w in column.lower() for w in ("score", "risk", "prob")):
                return sink, column
    return None


def build_report(project, job, inputs: dict[str, Path], output: Path, spec: ReportSpec = ReportSpec(),
                 log=print) -> Report:
    import duckdb

    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.models.evaluate import metrics

    log(f"report: replaying {job.name} on DuckDB")
    started = time.perf_counter()
    replay = DuckDBEngine(project).replay(job, inputs, project.build_dir / "report" / job.name)
    seconds = time.perf_counter() - started
    frames = {sink: pd.read_parquet(path) for sink, path in replay.sinks.items()}
    con = duckdb.connect()
    rows_in = {name: con.execute(f"SELECT count(*) FROM ({DuckDBEngine.physical_columns_sql(job.tables[name], path)})")
               .fetchall()[0][0] for name, path in inputs.items()}
    sections, plots = [], 0

    chosen = tuple(spec.score.split(".", 1)) if spec.score else _default_score(frames)
    if chosen:
        sink, column = chosen
        if sink not in frames or column not in frames[sink].columns:
            raise ConfigError(f"--score {sink}.{column}: no such sink column (sinks: {', '.join(frames)})")
        frame = frames[sink]
        scores = frame[column].to_numpy(dtype=float)
        parts = [histogram(f"Distribution of {sink}.{column}", scores, column)]
        time_column = next((c for c in frame.columns if str(frame[c].dtype).startswith("datetime64")), None)
        if time_column:
            hourly = frame.set_index(time_column)[column].resample("1D").agg(["mean", "count"])
            hourly = hourly[hourly["count"] > 0]
            days = (hourly.index - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
            parts.append(line_chart(f"Mean {column} per day of {time_column}", days.to_numpy(dtype=float),
                                    {f"mean {column}": hourly["mean"].to_numpy()}, time_column, column,
                                    x_format=lambda v: (dt.date(1970, 1, 1) + dt.timedelta(days=v)).isoformat()))
        if spec.label:
            con.register("scored", frame)
            try:
                label = con.execute(f"SELECT CAST(({spec.label}) AS DOUBLE) AS label FROM scored").df()["label"]
            except duckdb.Error as error:
                raise ConfigError(f"--label {spec.label!r}: {str(error).splitlines()[0]}") from None
            label = label.to_numpy(dtype=float)
            known = np.isfinite(label) & np.isfinite(scores)
            quality = metrics(label[known], scores[known])
            parts.append(f"<p class='metric'>AUC <b>{quality['auc']:.4f}</b>, log loss {quality['log_loss']:.4f}, "
                         f"{int(known.sum()):,} labelled rows ({html.escape(spec.label)})</p>")
            bins = np.clip((scores[known] * 10).astype(int), 0, 9)
            predicted = np.array([scores[known][bins == b].mean() if (bins == b).any() else np.nan for b in range(10)])
            observed = np.array([label[known][bins == b].mean() if (bins == b).any() else np.nan for b in range(10)])
            parts.append(line_chart("Calibration: observed rate per predicted decile", predicted,
                                    {"observed": observed}, "mean predicted", "observed rate", diagonal=True))
            by = spec.by or next((c for c in frame.columns if frame[c].dtype == object), None)
            if by:
                segments = []
                for value, group in frame[known].groupby(by):
                    group_labels = label[known][frame[known][by].to_numpy() == value]
                    if len(group) >= 20 and 0 < group_labels.sum() < len(group_labels):
                        segments.append((str(value), metrics(group_labels, group[column].to_numpy(dtype=float))["log_loss"]))
                segments = sorted(segments, key=lambda s: -s[1])[:20]
                parts.append(bar_chart(f"Log loss per {by} (worst 20, 20+ rows)", [s[0] for s in segments],
                                       [s[1] for s in segments], by, "log loss"))
        sections.append(_section(f"Scores: {sink}.{column}", parts))
        plots += sum(p.count("<svg") for p in parts)

    windowed = [(s, f) for s, f in frames.items() if "window_start" in f.columns]
    for sink, frame in windowed:
        per_day = frame.set_index("window_start").resample("1D").size()
        days = (per_day.index - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
        part = line_chart(f"{sink}: rows (alert windows) per day", days.to_numpy(dtype=float),
                          {"rows": per_day.to_numpy(dtype=float)}, "window_start", "rows per day",
                          x_format=lambda v: (dt.date(1970, 1, 1) + dt.timedelta(days=v)).isoformat())
        sections.append(_section(f"Alerts: {sink} ({len(frame):,} rows)", [part]))
        plots += 1

    for sink, frame in frames.items():
        if "auc" in frame.columns:
            parts = _monitoring(sink, frame)
            sections.append(_section(f"Monitoring: {sink} ({len(frame):,} windows)", parts))
            plots += sum(p.count("<svg") for p in parts)

    late = replay.late_rows
    sources = list(rows_in)
    counts = "<p>" + ", ".join(f"{html.escape(s)}: {late.get(s, 0):,} of {rows_in[s]:,}" for s in sources) + "</p>"
    if any(late.get(s, 0) for s in sources):
        sections.append(_section("Late rows per source (behind the watermark on arrival)", [
            bar_chart("Late rows per source", sources, [float(late.get(s, 0)) for s in sources], "source", "late rows"),
            counts]))
        plots += 1
    else:  # no chart of zeros
        sections.append(_section("Late rows per source (behind the watermark on arrival)",
                                 [f"<p class='metric'>no late rows: every row arrived ahead of its source's "
                                  f"watermark</p>{counts}"]))
    total = sum(rows_in.values())
    sections.append(_section("Throughput (this replay, DuckDB)", [
        bar_chart("Rows per second", ["input rows/s", *[f"{s} rows/s" for s in frames]],
                  [total / seconds, *[len(f) / seconds for f in frames.values()]], "", "rows/s"),
        f"<p>{total:,} input rows in {seconds:.2f} s; " +
        ", ".join(f"{html.escape(s)} {len(f):,} rows" for s, f in frames.items()) + "</p>"]))
    plots += 1

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(_page(f"streamscore report: {job.name}", sections, job, inputs))
    log(f"report: {output} ({plots} plots)")
    return Report(output, plots, [s.split("</h2>")[0].split("<h2>")[1] for s in sections])


def _monitoring(sink: str, frame: pd.DataFrame) -> list[str]:
    """A monitoring sink (one row per window with an `auc` column): quality per window, the live model
    against its challenger, and drift (every *_psi column)."""
    time_column = next((c for c in frame.columns if str(frame[c].dtype).startswith("datetime64")), None)
    if time_column is None:
        return [f"<p>{html.escape(sink)} has no time column to plot against</p>"]
    frame = frame.sort_values(time_column)
    days = ((frame[time_column] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    as_date = lambda v: (dt.date(1970, 1, 1) + dt.timedelta(days=v)).isoformat()  # noqa: E731
    ranking = {c: frame[c].to_numpy(dtype=float) for c in frame.columns if c == "auc" or c.endswith("_auc")}
    parts = [line_chart("AUC per window" + (" (live model and challenger, same rows)" if len(ranking) > 1 else ""),
                        days, ranking, time_column, "AUC", x_format=as_date)]
    if "challenger_auc" in frame.columns:
        ahead = int((frame["challenger_auc"] > frame["auc"]).sum())
        parts.append(f"<p class='metric'>challenger ahead on <b>{ahead}</b> of {len(frame):,} windows; "
                     f"median AUC live {frame['auc'].median():.4f}, challenger {frame['challenger_auc'].median():.4f}</p>")
    if {"late_rate", "mean_score"} <= set(frame.columns):  # calibration: the rate observed against the mean score
        parts.append(line_chart("Calibration per window: observed rate against mean predicted score", days,
                                {"observed rate": frame["late_rate"].to_numpy(dtype=float),
                                 "mean predicted": frame["mean_score"].to_numpy(dtype=float)},
                                time_column, "rate", x_format=as_date))
    errors = {c: frame[c].to_numpy(dtype=float) for c in ("brier", "log_loss") if c in frame.columns}
    if errors:
        parts.append(line_chart("Error per window: Brier score and log loss", days, errors, time_column, "error",
                                x_format=as_date))
    drift = {c: frame[c].to_numpy(dtype=float) for c in frame.columns if c.endswith("_psi")}
    if drift:
        parts.append(line_chart("Drift per window: population stability against the training data", days, drift,
                                time_column, "PSI", x_format=as_date))
    return parts


def _section(title: str, parts: list[str]) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</section>"


def _page(title: str, sections: list[str], job, inputs: dict[str, Path]) -> str:
    made = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    files = "".join(f"<li>{html.escape(name)}: {html.escape(str(path))}</li>" for name, path in inputs.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 700px; color: #222; }}
figure {{ margin: 1em 0; }} figcaption {{ font-size: 12px; color: #555; }}
.metric b {{ font-size: 1.2em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Job <code>{html.escape(str(job.path.name))}</code>, replayed on DuckDB, {made}. Inputs:</p><ul>{files}</ul>
{''.join(sections)}
</body></html>
"""
