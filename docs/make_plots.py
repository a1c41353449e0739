"""Plots and tables for docs/performance.rst from the benchmarks' committed figures.

    python docs/make_plots.py docs/_generated

Reads ``benchmarks/results/*.json`` (written by the benchmarks, see ``make bench``) and writes
one PNG and one ``<benchmark>.rst`` (the plot and its numbers as a table) per benchmark
into the output directory.
A benchmark without figures gets a line saying so instead of a plot.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
COLORS = {"pvimage-ca": "#0072b2", "pvimage-pva": "#009e73", "timeplot": "#d55e00",
          "ca": "#0072b2", "pva-raw": "#e69f00", "pva-lz4": "#009e73"}


def _table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = "  ".join("=" * w for w in widths)
    out = [line, "  ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out + [line, ""])


def console_cpu(d: Dict[str, Any], out: Path) -> str:
    loads = d["loads"]
    labels = [f"{r['traces']}x{r['points'] // 1000}k\n{r['size']}" for r in loads]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=100)
    width = 0.27
    for j, kind in enumerate(("pvimage-ca", "pvimage-pva", "timeplot")):
        xs = [i + (j - 1) * width for i in range(len(loads))]
        bars = ax.bar(xs, [100 * r[kind]["cpu"] for r in loads], width, label=kind,
                      color=COLORS[kind])
        if kind != "timeplot":
            key = "ratio_ca" if kind == "pvimage-ca" else "ratio_pva"
            ax.bar_label(bars, [f"{r[key]:.2f}x" for r in loads], fontsize=7)
    ax.set_xticks(range(len(loads)), labels, fontsize=8)
    ax.set_ylabel("console CPU (% of a core)")
    ax.set_title(f"Console CPU at {loads[0]['rate']:g} Hz: PVImage vs PyDMTimePlot "
                 "(labels: ratio)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rows = [[f"{r['traces']} x {r['points']}", r["size"],
             f"{100 * r['pvimage-ca']['cpu']:.1f} %", f"{100 * r['pvimage-pva']['cpu']:.1f} %",
             f"{100 * r['timeplot']['cpu']:.1f} %", f"{r['ratio_ca']:.2f}",
             f"{r['ratio_pva']:.2f}", f"{r['pvimage-pva']['ms_per_frame']:.2f}",
             f"{100 * r['pvimage-ca']['chart_cpu']:.0f} %"] for r in loads]
    return _table(["load", "size", "PVImage CA", "PVImage PVA", "TimePlot", "ratio CA",
                   "ratio PVA", "PVA ms/frame", "chart IOC"], rows)


def chart_fanout(d: Dict[str, Any], out: Path) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=100)
    for transport in ("ca", "pva-raw", "pva-lz4"):
        rows = [r for r in d["rows"] if r["transport"] == transport]
        ax.plot([r["clients"] for r in rows], [100 * r["server_cpu"] for r in rows], "o-",
                label=transport, color=COLORS[transport])
    ax.set_xlabel("clients")
    ax.set_ylabel("server CPU (% of a core)")
    ax.set_title(f"Fan-out of {d['size']} RGB chart frames at {d['rate']:g} Hz", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rows = [[r["transport"], r["clients"], f"{100 * r['server_cpu']:.1f} %",
             f"{r['fps_min']:.1f} .. {r['fps_max']:.1f}"] for r in d["rows"]]
    return _table(["transport", "clients", "server CPU", "client fps"], rows)


def chart_render(d: Dict[str, Any], out: Path) -> str:
    rows = d["rows"]
    base = rows[0]["ms"]
    fig, ax = plt.subplots(figsize=(6.5, 3.8), dpi=100)
    ax.barh([r["case"] for r in rows], [r["ms"] for r in rows], color="#0072b2")
    ax.axvline(2 * base, color="#d55e00", ls="--", label="2x the Stacked chart")
    ax.axvline(1.5 * base, color="#e69f00", ls=":", label="1.5x (archived range)")
    ax.invert_yaxis()
    ax.set_xlabel("CPU ms per frame (median)")
    ax.set_title(f"Render cost, {d['traces']} traces x {d['points']} points, {d['size']}",
                 fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    table = [[r["case"], f"{r['ms']:.2f}", f"{r['wall_ms']:.2f}" if "wall_ms" in r else "-",
              f"{r['ms'] / base:.2f}"] for r in rows]
    table.append(["seed method", "-", f"{d['seed_ms']:.1f}", f"{d['seed_ms'] / base:.1f}"])
    return _table(["chart", "CPU ms per frame", "wall ms", "vs Stacked"], table)


def reconnect(d: Dict[str, Any], out: Path) -> str:
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    labels, medians, maxes = [], [], []
    for mode in ("local", "site"):
        for kind, name in (("display", "display (PVA)"), ("ca", "libca monitor")):
            if mode in d:
                labels.append(f"{mode}\n{name}")
                medians.append(d[mode][kind]["median"])
                maxes.append(d[mode][kind]["max"])
    ax.bar(labels, medians, color="#0072b2", label="median")
    ax.scatter(labels, maxes, color="#d55e00", zorder=3, label="max")
    ax.set_ylabel("s from IOC kill to next value")
    ax.set_title("Reconnection after a chart IOC crash (procServ restarts it)", fontsize=9)
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rows = [[label.replace("\n", ", "), f"{m:.2f}", f"{x:.2f}"]
            for label, m, x in zip(labels, medians, maxes)]
    return _table(["console", "median s", "max s"], rows)


def motor_trajectory(d: Dict[str, Any], out: Path) -> str:
    cpu = d["cpu"]
    fig, ax = plt.subplots(figsize=(5, 2.4), dpi=100)
    ax.barh(["pvchart motor IOC (20 Hz)", "caproto fake_motor_record (10 Hz)"],
            [100 * cpu["ours"], 100 * cpu["baseline"]], color=["#0072b2", "#999999"])
    ax.invert_yaxis()
    ax.set_xlabel("IOC CPU per moving axis (% of a core)")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rows = [[name, f"{d[name]['max_err']:.2%}", f"{d[name]['rms_err']:.2%}",
             f"{d[name]['end_err']:.2%}", f"{d[name]['rate']:.1f}"]
            for name in ("plain", "backlash")]
    r = d["retries"]
    return (_table(["moves", "max error", "rms error", "end-time error", "readback Hz"], rows)
            + "\nRetries (mechanics 3 % short, RTRY 5, RDBD 0.01): "
              f"{r['retries_mean']:.1f} per move (max {r['retries_max']:.0f}), final "
              f"distance RBV to VAL at most {r['final_err_max']:.4f}.\n")


def scale(d: Dict[str, Any], out: Path) -> str:
    goals = d["goals"]
    fanout = d["fanout"]["rows"]
    gateway = d.get("gateway", {}).get("rows", [])
    fig, (cpu, fps) = plt.subplots(1, 2, figsize=(8, 3.4), dpi=100)
    via = [r for r in gateway if r["path"] == "gateway"]
    direct = [r for r in gateway if r["path"] == "direct"]
    Series = Tuple[str, List[Any], str, str, str, Optional[str]]  # label, rows, key, style..
    series: List[Series] = [
        (f"chart IOC, {t}", [r for r in fanout if r["transport"] == t], "ioc_cpu", COLORS[t],
         "o-", t) for t in ("pva-lz4", "ca")]
    series += [("chart IOC, via pvagw (netns)", via, "ioc_cpu", "#009e73", "s--",
                "via pvagw (netns)"),
               ("pvagw itself", via, "gateway_cpu", "#cc79a7", "s--", None),
               ("chart IOC, direct (netns)", direct, "ioc_cpu", "#56b4e9", "s:",
                "direct (netns)")]
    for label, rows, key, color, style, fps_label in series:
        if rows:
            xs = [r["consoles"] for r in rows]
            cpu.plot(xs, [100 * r[key] for r in rows], style, color=color, label=label)
            if fps_label:
                fps.plot(xs, [r["fps_min"] for r in rows], style, color=color,
                         label=fps_label)
    cpu.axhline(100 * goals["ioc_cpu_100"], color="#d55e00", lw=0.8, ls=":", label="goal")
    fps.axhline(goals["fps"], color="#d55e00", lw=0.8, ls=":", label="goal")
    cpu.set_ylabel("CPU (% of a core)")
    fps.set_ylabel("slowest console (frames/s)")
    fps.set_ylim(0, d["rate"] * 1.1)
    for ax in (cpu, fps):
        ax.set_xscale("log")
        ax.set_xlabel("consoles")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"One {d['size']} chart, {d['sources']} sources at {d['rate']:g} Hz, to "
                 "many consoles", fontsize=9)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rows = [[r["transport"], r["consoles"], r["processes"], f"{100 * r['ioc_cpu']:.1f} %",
             "", f"{100 * r['console_cpu']:.0f} %",
             f"{r['fps_min']:.2f} / {r['fps_median']:.2f}", ""] for r in fanout]
    rows += [[f"pva-lz4 {r['path']}", r["consoles"], r["processes"],
              f"{100 * r['ioc_cpu']:.1f} %", f"{100 * r['gateway_cpu']:.1f} %",
              f"{100 * r['console_cpu']:.0f} %", f"{r['fps_min']:.2f} / {r['fps_median']:.2f}",
              f"{r['reference_fps']:.2f}"] for r in gateway]
    table = _table(["path", "consoles", "processes", "chart IOC", "pvagw", "consoles CPU",
                    "fps min / median", "IOC served"], rows)
    frame = d["fanout"]["frame"]
    loads = [x for r in fanout + gateway for x in r["load"]]
    table += (f"\nA frame: {frame['raw_bytes']:,} bytes, {frame['lz4_bytes']:,} with LZ4 "
              f"(encoding {frame['encode_ms']:.1f} ms); rendered in {frame['render_ms']:.0f} ms "
              f"(wall time). Load average during the spans {min(loads):.1f} .. "
              f"{max(loads):.1f} (2 cores).\n")
    eight = d.get("eight_charts")
    if eight:
        table += "\n" + _table(
            ["charts", "chart rate", "all chart IOCs", "each", "fps"],
            [["1", "2 Hz", f"{100 * eight['single']['ioc_cpu']:.1f} %", "",
              f"{eight['single']['fps_min']:.2f}"]]
            + [[str(r["charts"]), f"{r['rate']:g} Hz", f"{100 * r['total_cpu']:.0f} %",
                f"{100 * min(r['per_chart_cpu']):.1f} .. {100 * max(r['per_chart_cpu']):.1f} %",
                f"{r['fps_min']:.2f} .. {r['fps_max']:.2f}"] for r in eight["rows"]])
    return table


def history(d: Dict[str, Any], out: Path) -> str:
    changes, render, fetch = d["changes"], d["render"], d["fetching"]
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(10, 3.8), dpi=100,
                                        gridspec_kw={"width_ratios": [2.2, 1, 1]})
    labels = [r["change"] for r in changes]
    ax1.barh(labels, [r["appliance_s"] for r in changes], color="#999999",
             label="test Appliance answering")
    ax1.barh(labels, [r["chart_s"] for r in changes], left=[r["appliance_s"] for r in changes],
             color=["#0072b2" if r["kind"] == "archive" else "#009e73" for r in changes],
             label="chart (blue: looking back, green: own history)")
    ax1.axvline(d["latency"]["goal_s"], color="#d55e00", ls="--", label="goal for the chart")
    ax1.invert_yaxis()
    ax1.tick_params(axis="y", labelsize=7)
    ax1.set_xlabel("s from the put to the picture complete")
    ax1.legend(fontsize=7, loc="center right")
    kinds = ["live", "week"]
    for k, (where, live, held) in enumerate((
            ("IOC", render["ioc_live"]["median_ms"], render["ioc_held_week"]["median_ms"]),
            ("alone", render["alone_live_ms"], render["alone_held_week_ms"]))):
        bars = ax2.bar([f"{where}\n{kinds[0]}", f"{where}\n{kinds[1]}"], [live, held],
                       color=["#009e73", "#0072b2"], alpha=1.0 if k else 0.6)
        ax2.bar_label(bars, ["", f"{held / live:.1f}x"], fontsize=7)
    ax2.set_ylabel("ms per frame")
    ax2.tick_params(axis="x", labelsize=7)
    ax2.set_title("Render cost (live 60 s, held week)", fontsize=9)
    ax3.bar(["while\nwaiting", "whole\nfetch"], [fetch["fps_wait"], fetch["fps_fetch"]],
            width=0.35, color="#0072b2", label="fetching")
    ax3.bar([0.35, 1.35], [fetch["baseline_fps_wait"], fetch["baseline_fps"]], width=0.35,
            color="#999999", label="no archiver, beside it")
    ax3.axhline(fetch["goal_fps"], color="#d55e00", ls="--", label="goal")
    ax3.set_ylabel("frames per second")
    ax3.tick_params(axis="x", labelsize=7)
    ax3.set_title(f"Frames at {d['rate']:g} Hz", fontsize=9)
    ax3.set_ylim(0, 1.45 * d["rate"])
    ax3.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rows = [[r["change"], r["requests"], f"{r['first_s']:.2f}", f"{r['complete_s']:.2f}",
             f"{r['appliance_s']:.2f}", f"{r['chart_s']:.2f}", f"{r['data_s']:.2f}"]
            for r in changes]
    lat = d["latency"]
    return (_table(["change", "requests", "picture s", "complete s", "Appliance s",
                    "chart s", "T<n>:times s"], rows)
            + f"\nThe chart's part of a look back: median {lat['chart_median_s']:.2f} s, "
              f"max {lat['chart_max_s']:.2f} s (goal <= {lat['goal_s']:g} s); within its own "
              f"history {lat['own_median_s']:.2f} s. Render cost of the held week / live: "
              f"{render['alone_ratio']:.1f}x alone, {render['ioc_ratio']:.1f}x in the IOC "
              f"(goal <= {render['goal_ratio']:g}x). Frames while fetching "
              f"{fetch['fps_fetch']:.1f}/s, beside it without an archiver "
              f"{fetch['baseline_fps']:.1f}/s (goal >= {fetch['goal_fps']:g}). Load average "
              f"(1 min) {d['load_average'][0]:.1f} at the start, "
              f"{d['load_average'][1]:.1f} at the end.\n")


def web(d: Dict[str, Any], out: Path) -> str:
    rows = d["rows"]
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    xs = [r["viewers"] for r in rows]
    ax.plot(xs, [100 * r["web_cpu"] for r in rows], "o-", color="#0072b2",
            label="pvchart-web")
    ax.axhline(100 * d["goal_cpu"], color="#d55e00", lw=0.8, ls=":", label="goal")
    ax.set_xlabel("browsers viewing one chart")
    ax.set_ylabel("CPU (% of a core)")
    ax.set_ylim(0, max(100 * d["goal_cpu"], max(100 * r["web_cpu"] for r in rows)) * 1.2)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"The web server, one chart at {d['rate']:g} Hz", fontsize=9)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return _table(["viewers", "web process CPU", "chart fps", "slowest viewer fps",
                   "MB/s sent"],
                  [[r["viewers"], f"{100 * r['web_cpu']:.1f} %", f"{r['chart_fps']:.2f}",
                    f"{r['fps_min']:.2f}" if "fps_min" in r else "",
                    f"{r['mbytes_per_s']:.1f}" if "mbytes_per_s" in r else ""]
                   for r in rows])


PLOTS: Dict[str, Callable[[Dict[str, Any], Path], str]] = {
    "console_cpu": console_cpu, "chart_fanout": chart_fanout, "chart_render": chart_render,
    "reconnect": reconnect, "motor_trajectory": motor_trajectory, "scale": scale,
    "history": history, "web": web}


def main(argv: List[str]) -> int:
    out_dir = Path(argv[0] if argv else ROOT / "docs" / "_generated")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, plot in PLOTS.items():
        path = RESULTS / f"{name}.json"
        rst = ".. generated by docs/make_plots.py from benchmarks/results; do not edit\n\n"
        if not path.exists():
            rst += f"*No figures yet: run* ``python benchmarks/{name}.py``.\n"
        else:
            data = json.loads(path.read_text())
            table = plot(data, out_dir / f"{name}.png")
            machine = data.get("machine", {})
            rst += (f".. image:: /_generated/{name}.png\n\n{table}\n"
                    f"*Measured {machine.get('when', '?')} "
                    f"on {machine.get('cpus', '?')} CPUs, Python "
                    f"{machine.get('python', '?')}.*\n")
            print(f"wrote {out_dir / (name + '.png')}")
        (out_dir / f"{name}.rst").write_text(rst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
