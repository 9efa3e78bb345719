//! Plots (plotters), each written as PNG and SVG with deterministic bytes:
//! no timestamps, text rendered with the font embedded in this crate
//! (DejaVu Sans, `assets/`, see its licence there) rather than the
//! machine's fonts, PNG encoded with fixed settings.
//!
//! Single-run plots ([`run_plots`], read back from an output directory's
//! CSV files): dominant share over time per framework, utilisation over
//! time per resource, CDF of job completion time. Comparison plots
//! ([`compare_plots`]): the same with one panel (or line) per policy, and
//! Jain's index per policy with 95% confidence intervals over seeds.
//!
//! Colours: the Okabe–Ito palette, safe for colour-blind readers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::compare::{self, RunSummary};

/// DejaVu Sans 2.37 (Bitstream Vera licence, assets/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static FONT_ONCE: Once = Once::new();

/// Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish
/// green, vermillion, sky blue, reddish purple, yellow, black.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A plot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("drawing {0}")]
    Draw(String),
}

fn draw_err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

type Res<T> = Result<T, String>;

/// One run, as read back from its output directory.
#[derive(Clone, Debug, Default)]
pub struct RunData {
    pub policy: String,
    pub mode: String,
    pub seed: u64,
    pub end_us: u64,
    /// Framework names in first-seen order of shares.csv.
    pub frameworks: Vec<String>,
    /// Per framework: (time_us, dominant share) changes.
    pub shares: Vec<Vec<(u64, f64)>>,
    /// Resource names with a non-zero total, in utilization.csv order.
    pub resources: Vec<String>,
    /// Per resource: (time_us, allocated / total) changes.
    pub utilization: Vec<Vec<(u64, f64)>>,
    /// Completion times of the jobs all of whose tasks finished, sorted.
    pub jcts_us: Vec<u64>,
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<csv::StringRecord>), PlotError> {
    let bad = |message: String| PlotError::Input {
        path: path.to_path_buf(),
        message,
    };
    let mut r = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        rows.push(rec.map_err(|e| bad(e.to_string()))?);
    }
    Ok((header, rows))
}

fn col(header: &[String], name: &str, path: &Path) -> Result<usize, PlotError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| PlotError::Input {
            path: path.to_path_buf(),
            message: format!("no column `{name}`"),
        })
}

fn num<T: std::str::FromStr>(s: &str, path: &Path, line: usize) -> Result<T, PlotError> {
    s.parse().map_err(|_| PlotError::Input {
        path: path.to_path_buf(),
        message: format!("line {line}: expected a number, got {s:?}"),
    })
}

impl RunData {
    /// Reads `summary.json`, `shares.csv`, `utilization.csv`, `tasks.csv`.
    pub fn load(dir: &Path) -> Result<RunData, PlotError> {
        let mut d = RunData::default();
        let sp = dir.join("summary.json");
        let text = std::fs::read_to_string(&sp).map_err(|source| PlotError::Io {
            path: sp.clone(),
            source,
        })?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| PlotError::Input {
            path: sp.clone(),
            message: e.to_string(),
        })?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        d.policy = s("policy");
        d.mode = s("mode");
        d.seed = v.get("seed").and_then(|x| x.as_u64()).unwrap_or(0);
        d.end_us = v.get("end_us").and_then(|x| x.as_u64()).unwrap_or(0);

        let p = dir.join("shares.csv");
        let (h, rows) = read_csv(&p)?;
        let (ct, cf, cs) = (
            col(&h, "time_us", &p)?,
            col(&h, "framework", &p)?,
            col(&h, "dominant_share", &p)?,
        );
        // Frameworks of the summary first (every framework, even one that
        // never held anything), then any others in order of appearance.
        if let Some(serde_json::Value::Object(m)) = v.get("frameworks") {
            d.frameworks = m.keys().cloned().collect();
            d.frameworks.sort();
        }
        let mut idx: BTreeMap<String, usize> = d
            .frameworks
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        d.shares = vec![Vec::new(); d.frameworks.len()];
        for (i, r) in rows.iter().enumerate() {
            let name = &r[cf];
            let k = *idx.entry(name.to_string()).or_insert_with(|| {
                d.frameworks.push(name.to_string());
                d.shares.push(Vec::new());
                d.frameworks.len() - 1
            });
            d.shares[k].push((num(&r[ct], &p, i + 2)?, num(&r[cs], &p, i + 2)?));
        }

        let p = dir.join("utilization.csv");
        let (h, rows) = read_csv(&p)?;
        let (ct, cr, ctot, ca) = (
            col(&h, "time_us", &p)?,
            col(&h, "resource", &p)?,
            col(&h, "total", &p)?,
            col(&h, "allocated", &p)?,
        );
        let mut series: Vec<UtilSeries> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let t: u64 = num(&r[ct], &p, i + 2)?;
            let total: f64 = num(&r[ctot], &p, i + 2)?;
            let alloc: f64 = num(&r[ca], &p, i + 2)?;
            let k = match series.iter().position(|s| s.0 == r[cr]) {
                Some(k) => k,
                None => {
                    series.push((r[cr].to_string(), false, Vec::new()));
                    series.len() - 1
                }
            };
            let frac = if total > 0.0 { alloc / total } else { 0.0 };
            series[k].1 |= total > 0.0;
            series[k].2.push((t, frac));
        }
        for (name, any, pts) in series {
            if any {
                d.resources.push(name);
                d.utilization.push(pts);
            }
        }

        let p = dir.join("tasks.csv");
        let (h, rows) = read_csv(&p)?;
        let (cj, cf, csub, cend, cst) = (
            col(&h, "job_id", &p)?,
            col(&h, "framework", &p)?,
            col(&h, "submit_us", &p)?,
            col(&h, "end_us", &p)?,
            col(&h, "state", &p)?,
        );
        // (framework, job) -> (submit, last end, all finished)
        let mut jobs: BTreeMap<(String, String), (u64, u64, bool)> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let sub: u64 = num(&r[csub], &p, i + 2)?;
            let end: Option<u64> = if r[cend].is_empty() {
                None
            } else {
                Some(num(&r[cend], &p, i + 2)?)
            };
            let e = jobs
                .entry((r[cf].to_string(), r[cj].to_string()))
                .or_insert((sub, 0, true));
            e.0 = e.0.min(sub);
            e.1 = e.1.max(end.unwrap_or(0));
            e.2 &= &r[cst] == "finished";
        }
        d.jcts_us = jobs
            .values()
            .filter(|j| j.2)
            .map(|j| j.1.saturating_sub(j.0))
            .collect();
        d.jcts_us.sort_unstable();
        Ok(d)
    }

    fn label(&self) -> String {
        format!("{} / {}, seed {}", self.policy, self.mode, self.seed)
    }
}

/// A time unit that keeps axis numbers readable.
fn time_unit(max_us: u64) -> (f64, &'static str) {
    if max_us >= 2 * 3_600_000_000 {
        (3_600_000_000.0, "h")
    } else if max_us >= 2 * 60_000_000 {
        (60_000_000.0, "min")
    } else {
        (1_000_000.0, "s")
    }
}

/// A step function as line points: from 0 at time 0, each change held
/// until the next, the last until `end`.
fn steps(changes: &[(u64, f64)], end: u64, unit: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, 0.0)];
    let mut last = 0.0;
    for &(t, v) in changes {
        let x = t as f64 / unit;
        pts.push((x, last));
        pts.push((x, v));
        last = v;
    }
    pts.push((end as f64 / unit, last));
    pts
}

fn font_ready() {
    FONT_ONCE.call_once(|| {
        // The font is compiled in: it parses, or every plot would fail
        // the same way in the tests.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

const W: u32 = 1000;
const H: u32 = 600;

/// A figure drawn on any backend.
trait Draw {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Res<()>;
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    std::fs::write(path, bytes).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Renders `fig` to `STEM.svg` and `STEM.png`; returns both paths.
fn render(fig: &impl Draw, stem: &Path, (w, h): (u32, u32)) -> Result<Vec<PathBuf>, PlotError> {
    font_ready();
    let svg_path = stem.with_extension("svg");
    let png_path = stem.with_extension("png");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| PlotError::Draw(draw_err(e)))?;
        fig.draw(&root).map_err(PlotError::Draw)?;
        root.present().map_err(|e| PlotError::Draw(draw_err(e)))?;
    }
    write(&svg_path, svg.as_bytes())?;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| PlotError::Draw(draw_err(e)))?;
        fig.draw(&root).map_err(PlotError::Draw)?;
        root.present().map_err(|e| PlotError::Draw(draw_err(e)))?;
    }
    write(&png_path, &encode_png(&buf, w, h))?;
    Ok(vec![png_path, svg_path])
}

/// RGB8 pixels to PNG bytes with fixed settings (no time or text chunks).
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        enc.set_filter(png::FilterType::Sub);
        let mut wr = enc.write_header().expect("in-memory PNG header");
        wr.write_image_data(rgb).expect("in-memory PNG data");
    }
    out
}

fn title_font() -> TextStyle<'static> {
    ("sans-serif", 22).into_font().into()
}

fn label_font() -> TextStyle<'static> {
    ("sans-serif", 15).into_font().into()
}

/// Lines over time in one panel.
struct TimePanel<'a> {
    title: String,
    y_desc: &'a str,
    y_max: f64,
    end_us: u64,
    unit: (f64, &'static str),
    series: Vec<(String, Vec<(u64, f64)>)>,
}

impl Draw for TimePanel<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Res<()> {
        let (unit, uname) = self.unit;
        let x_max = (self.end_us as f64 / unit).max(1e-9);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, title_font())
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, 0.0..self.y_max)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("virtual time ({uname})"))
            .y_desc(self.y_desc)
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()
            .map_err(draw_err)?;
        for (i, (name, changes)) in self.series.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(
                    steps(changes, self.end_us, unit),
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        Ok(())
    }
}

/// Several panels side by side (or in a grid).
struct Panels<T: Draw>(Vec<T>);

impl<T: Draw> Draw for Panels<T> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Res<()> {
        let n = self.0.len().max(1);
        let cols = n.min(2);
        let rows = n.div_ceil(cols);
        let cells = area.split_evenly((rows, cols));
        for (p, cell) in self.0.iter().zip(cells.iter()) {
            p.draw(cell)?;
        }
        Ok(())
    }
}

fn panel_size(n: usize) -> (u32, u32) {
    let n = n.max(1) as u32;
    if n == 1 {
        (W, H)
    } else {
        (W * 3 / 2, H * 3 / 4 * n.div_ceil(2))
    }
}

fn shares_panel(d: &RunData, unit: (f64, &'static str), end: u64) -> TimePanel<'static> {
    let y_max = d
        .shares
        .iter()
        .flat_map(|s| s.iter().map(|p| p.1))
        .fold(1.0f64, f64::max);
    TimePanel {
        title: format!("Dominant share over time — {}", d.label()),
        y_desc: "dominant share (weighted, fraction)",
        y_max: y_max * 1.05,
        end_us: end,
        unit,
        series: d
            .frameworks
            .iter()
            .cloned()
            .zip(d.shares.iter().cloned())
            .collect(),
    }
}

fn util_panel(d: &RunData, unit: (f64, &'static str), end: u64) -> TimePanel<'static> {
    TimePanel {
        title: format!("Allocated fraction per resource — {}", d.label()),
        y_desc: "allocated / total (fraction)",
        y_max: 1.05,
        end_us: end,
        unit,
        series: d
            .resources
            .iter()
            .cloned()
            .zip(d.utilization.iter().cloned())
            .collect(),
    }
}

/// Empirical CDFs of job completion time, one line per set.
struct Cdf {
    title: String,
    sets: Vec<(String, Vec<u64>)>,
}

impl Draw for Cdf {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Res<()> {
        let max = self
            .sets
            .iter()
            .filter_map(|s| s.1.last().copied())
            .max()
            .unwrap_or(0);
        let (unit, uname) = time_unit(max);
        let x_max = (max as f64 / unit * 1.05).max(1e-9);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, title_font())
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, 0.0..1.05)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("job completion time ({uname})"))
            .y_desc("fraction of completed jobs")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()
            .map_err(draw_err)?;
        for (i, (name, xs)) in self.sets.iter().enumerate() {
            let c = colour(i);
            let n = xs.len() as f64;
            let mut pts = vec![(0.0, 0.0)];
            for (k, &x) in xs.iter().enumerate() {
                let xv = x as f64 / unit;
                pts.push((xv, k as f64 / n));
                pts.push((xv, (k + 1) as f64 / n));
            }
            if let Some(&(x, y)) = pts.last() {
                pts.push((x_max.max(x), y));
            }
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                .map_err(draw_err)?
                .label(format!("{name} ({} jobs)", xs.len()))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        Ok(())
    }
}

/// One resource's utilisation: (resource, has a total, points (time, fraction)).
type UtilSeries = (String, bool, Vec<(u64, f64)>);
/// A bar series: (name, per label: (mean, 95% half-width)).
type BarSeries = (String, Vec<(f64, Option<f64>)>);

/// Grouped bars with 95% confidence intervals: one group per label, one
/// bar (and colour, in the legend) per series.
struct Bars {
    title: String,
    y_desc: String,
    labels: Vec<String>,
    /// (series name, per label: (mean, half-width))
    series: Vec<BarSeries>,
}

impl Draw for Bars {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Res<()> {
        let n = self.labels.len().max(1);
        let k = self.series.len().max(1);
        let top = self
            .series
            .iter()
            .flat_map(|s| s.1.iter())
            .map(|b| b.0 + b.1.unwrap_or(0.0))
            .fold(1.0f64, f64::max)
            * 1.12;
        let labels = &self.labels;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, title_font())
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0.0..top)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("policy / mode")
            .y_desc(self.y_desc.as_str())
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()
            .map_err(draw_err)?;
        let width = 0.7 / k as f64;
        for (si, (name, vals)) in self.series.iter().enumerate() {
            let c = colour(si);
            let x0 = |i: usize| i as f64 - 0.35 + si as f64 * width;
            chart
                .draw_series(vals.iter().enumerate().map(|(i, (mean, _))| {
                    Rectangle::new(
                        [(x0(i) + 0.01, 0.0), (x0(i) + width - 0.01, *mean)],
                        c.filled(),
                    )
                }))
                .map_err(draw_err)?
                .label(name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.filled()));
            for (i, (mean, hw)) in vals.iter().enumerate() {
                if let Some(h) = hw {
                    let x = x0(i) + width / 2.0;
                    let (lo, hi) = ((mean - h).max(0.0), mean + h);
                    let cap = width / 4.0;
                    let st = BLACK.stroke_width(2);
                    chart
                        .draw_series([
                            PathElement::new(vec![(x, lo), (x, hi)], st),
                            PathElement::new(vec![(x - cap, lo), (x + cap, lo)], st),
                            PathElement::new(vec![(x - cap, hi), (x + cap, hi)], st),
                        ])
                        .map_err(draw_err)?;
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        Ok(())
    }
}

fn mkdir(p: &Path) -> Result<(), PlotError> {
    std::fs::create_dir_all(p).map_err(|source| PlotError::Io {
        path: p.to_path_buf(),
        source,
    })
}

/// The single-run plots of `d` into `out` (created): `shares`,
/// `utilization`, `jct-cdf`, each `.png` and `.svg`.
pub fn write_run_plots(d: &RunData, out: &Path) -> Result<Vec<PathBuf>, PlotError> {
    mkdir(out)?;
    let unit = time_unit(d.end_us);
    let mut files = Vec::new();
    files.extend(render(
        &shares_panel(d, unit, d.end_us),
        &out.join("shares"),
        (W, H),
    )?);
    files.extend(render(
        &util_panel(d, unit, d.end_us),
        &out.join("utilization"),
        (W, H),
    )?);
    files.extend(render(
        &Cdf {
            title: format!("Job completion time (CDF) — {}", d.label()),
            sets: vec![("all jobs".into(), d.jcts_us.clone())],
        },
        &out.join("jct-cdf"),
        (W, H),
    )?);
    Ok(files)
}

/// `mesosim plot RUN_DIR`: the single-run plots into `RUN_DIR/plots/`,
/// replaced as a whole once all are drawn.
pub fn run_plots(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let d = RunData::load(dir)?;
    let tmp = tempfile::Builder::new()
        .prefix(".mesosim-plots-")
        .tempdir_in(dir)
        .map_err(|source| PlotError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    let files = write_run_plots(&d, tmp.path())?;
    let target = dir.join("plots");
    crate::replace_dir(tmp.keep(), &target).map_err(|e| PlotError::Draw(e.to_string()))?;
    Ok(files
        .iter()
        .map(|f| target.join(f.file_name().expect("file")))
        .collect())
}

/// The comparison plots into `out`: `shares` and `utilization` (one panel
/// per policy and mode, its first seed), `jct-cdf` (one line per policy
/// and mode, its seeds pooled), `jain` (mean Jain's index over dominant
/// shares per policy and mode, 95% CI over seeds).
/// `summaries[i]` is the run in `run_dirs[i]`.
pub fn compare_plots(
    summaries: &[RunSummary],
    run_dirs: &[PathBuf],
    out: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    mkdir(out)?;
    let groups = compare::groups(summaries);
    let mut firsts: Vec<RunData> = Vec::new();
    let mut pooled: Vec<(String, Vec<u64>)> = Vec::new();
    for (p, m) in &groups {
        let mut jcts = Vec::new();
        let mut first = None;
        for (s, dir) in summaries.iter().zip(run_dirs) {
            if &s.policy == p && &s.mode == m {
                let d = RunData::load(dir)?;
                jcts.extend(d.jcts_us.iter().copied());
                if first.is_none() {
                    first = Some(d);
                }
            }
        }
        jcts.sort_unstable();
        pooled.push((format!("{p} / {m}"), jcts));
        firsts.extend(first);
    }
    let end = firsts.iter().map(|d| d.end_us).max().unwrap_or(0);
    let unit = time_unit(end);
    let size = panel_size(firsts.len());
    let mut files = Vec::new();
    files.extend(render(
        &Panels(firsts.iter().map(|d| shares_panel(d, unit, end)).collect()),
        &out.join("shares"),
        size,
    )?);
    files.extend(render(
        &Panels(firsts.iter().map(|d| util_panel(d, unit, end)).collect()),
        &out.join("utilization"),
        size,
    )?);
    let seeds: usize = {
        let mut s: Vec<u64> = summaries.iter().map(|s| s.seed).collect();
        s.sort_unstable();
        s.dedup();
        s.len()
    };
    files.extend(render(
        &Cdf {
            title: format!("Job completion time (CDF), {seeds} seed(s) pooled"),
            sets: pooled,
        },
        &out.join("jct-cdf"),
        (W, H),
    )?);
    let labels: Vec<String> = groups.iter().map(|(p, m)| format!("{p} / {m}")).collect();
    let series = [
        ("fairness.jain_dominant_share", "over mean dominant shares"),
        (
            "fairness.jain_backlogged",
            "over backlogged frameworks, time-weighted",
        ),
    ]
    .iter()
    .map(|(key, name)| {
        let vals = groups
            .iter()
            .map(|(p, m)| {
                let xs = compare::group_values(summaries, p, m, key);
                compare::mean_ci(&xs).unwrap_or((0.0, None))
            })
            .collect();
        (name.to_string(), vals)
    })
    .collect();
    files.extend(render(
        &Bars {
            title: format!(
                "Jain's index of dominant shares per policy ({seeds} seed(s){})",
                if seeds > 1 { ", 95% CI" } else { "" }
            ),
            y_desc: "Jain's index (1 = equal shares)".into(),
            labels,
            series,
        },
        &out.join("jain"),
        (W, H),
    )?);
    Ok(files)
}
