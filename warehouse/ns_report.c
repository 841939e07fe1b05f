/* ns_report: the CEO's report, HTML with SVG charts and CSV (ns_report.h). */
#include "ns_report.h"

#include "ns_buf.h"
#include "ns_wh.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_MAX_SERIES 8
#define S_OUT_MAX ((size_t)256 << 20)
#define S_W 640
#define S_H 360
#define S_ML 70 /* margins: left (y labels), right, top, bottom (x labels) */
#define S_MR 20
#define S_MT 20
#define S_MB 90

static const char *const s_colors[S_MAX_SERIES] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                   "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

typedef struct {
    char title[256];
    char chart[16];
    char plot[512];
    ns_buf_t desc; /* escaped HTML paragraphs */
} s_meta_t;

/* Text for HTML and SVG alike: & < > " ' escaped. */
static int s_esc(ns_buf_t *b, const char *s)
{
    int rc = 0;
    for (; *s && !rc; s++) {
        switch (*s) {
        case '&': rc = ns_buf_append(b, "&amp;", 5); break;
        case '<': rc = ns_buf_append(b, "&lt;", 4); break;
        case '>': rc = ns_buf_append(b, "&gt;", 4); break;
        case '"': rc = ns_buf_append(b, "&quot;", 6); break;
        case '\'': rc = ns_buf_append(b, "&#39;", 5); break;
        default: rc = ns_buf_append(b, s, 1); break;
        }
    }
    return rc;
}

static void s_trim_copy(char *out, size_t cap, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The leading "--" lines of sql: title, chart, plot, description. */
static int s_meta(const char *sql, s_meta_t *m)
{
    memset(m->title, 0, sizeof m->title);
    snprintf(m->chart, sizeof m->chart, "bar");
    m->plot[0] = '\0';
    int open = 0, rc = 0;
    for (const char *p = sql; *p && !rc;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n < 2 || p[0] != '-' || p[1] != '-')
            break;
        char line[1024];
        s_trim_copy(line, sizeof line, p + 2, n - 2);
        if (!strncmp(line, "title:", 6))
            s_trim_copy(m->title, sizeof m->title, line + 6, strlen(line + 6));
        else if (!strncmp(line, "chart:", 6))
            s_trim_copy(m->chart, sizeof m->chart, line + 6, strlen(line + 6));
        else if (!strncmp(line, "plot:", 5))
            s_trim_copy(m->plot, sizeof m->plot, line + 5, strlen(line + 5));
        else if (!line[0]) {
            if (open)
                rc = ns_buf_append(&m->desc, "</p>\n", 5);
            open = 0;
        } else {
            if (!open)
                rc = ns_buf_append(&m->desc, "<p>", 3);
            else
                rc = ns_buf_append(&m->desc, "\n", 1);
            open = 1;
            rc = rc ? rc : s_esc(&m->desc, line);
        }
        p = e ? e + 1 : p + n;
    }
    if (open && !rc)
        rc = ns_buf_append(&m->desc, "</p>\n", 5);
    return rc;
}

/* "q3_promotion_lift.sql" of "queries/q3_promotion_lift.sql" -> "q3" */
static void s_short(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, "_.");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

static int s_num(const PGresult *r, int row, int col, double *v)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const char *s = PQgetvalue(r, row, col);
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(x))
        return 0;
    *v = x;
    return 1;
}

/* A "nice" step for about 5 ticks over span. */
static double s_step(double span)
{
    double raw = span / 5, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static void s_fmt(char *out, size_t cap, double v)
{
    double a = fabs(v);
    if (a >= 1e9)
        snprintf(out, cap, "%.3gG", v / 1e9);
    else if (a >= 1e6)
        snprintf(out, cap, "%.3gM", v / 1e6);
    else if (a >= 1e4)
        snprintf(out, cap, "%.3gk", v / 1e3);
    else
        snprintf(out, cap, "%.4g", v);
}

/* The SVG chart of result r: series = the plot columns found in r. */
static int s_chart(ns_buf_t *b, const PGresult *r, const s_meta_t *m)
{
    int cols[S_MAX_SERIES], ns = 0, rows = PQntuples(r);
    char list[512];
    snprintf(list, sizeof list, "%s", m->plot);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && ns < S_MAX_SERIES;
         t = strtok_r(NULL, ",", &save)) {
        char name[128];
        s_trim_copy(name, sizeof name, t, strlen(t));
        int c = PQfnumber(r, name);
        if (c >= 0)
            cols[ns++] = c;
    }
    int line = !strcmp(m->chart, "line");
    double lo = 0, hi = 0;
    int any = 0;
    for (int i = 0; i < rows; i++)
        for (int k = 0; k < ns; k++) {
            double v;
            if (s_num(r, i, cols[k], &v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
                any = 1;
            }
        }
    if (hi == lo)
        hi = lo + 1;
    double step = s_step(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
    const double pw = S_W - S_ML - S_MR, ph = S_H - S_MT - S_MB;
#define Y(v) (S_MT + ph * (hi - (v)) / (hi - lo))
    int rc = ns_buf_appendf(b,
                            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart %s\" width=\"%d\" "
                            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
                            line ? "line" : "bar", S_W, S_H + 24 * ((ns + 2) / 3), S_W,
                            S_H + 24 * ((ns + 2) / 3));
    rc = rc ? rc : s_esc(b, m->title);
    rc = rc ? rc : ns_buf_appendf(b, "\" font-family=\"sans-serif\" font-size=\"11\">\n");
    /* the y grid and its labels */
    for (double t = lo; t <= hi + step / 2 && !rc; t += step) {
        char lab[32];
        s_fmt(lab, sizeof lab, fabs(t) < step / 1e6 ? 0 : t);
        rc = ns_buf_appendf(b,
                            "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                            S_ML, S_W - S_MR, Y(t), Y(t), S_ML - 6, Y(t) + 4, lab);
    }
    /* axes: x along zero (or the bottom), y on the left */
    double y0 = Y(lo > 0 ? lo : hi < 0 ? hi : 0);
    rc = rc ? rc : ns_buf_appendf(b,
                                  "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                                  "stroke=\"#000\"/><line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" "
                                  "y2=\"%.1f\" stroke=\"#000\"/>\n",
                                  S_ML, S_W - S_MR, y0, y0, S_ML, S_ML, S_MT, S_MT + ph);
    double slot = rows > 0 ? pw / rows : pw;
    /* x labels: every row, or every k-th when crowded */
    int every = rows > 16 ? (rows + 15) / 16 : 1;
    for (int i = 0; i < rows && !rc; i += every) {
        double x = S_ML + slot * (i + 0.5);
        rc = ns_buf_appendf(b, "<text class=\"xlabel\" transform=\"translate(%.1f,%.1f) rotate(-35)\" "
                               "text-anchor=\"end\">", x, S_MT + ph + 14);
        rc = rc ? rc : s_esc(b, PQgetisnull(r, i, 0) ? "(none)" : PQgetvalue(r, i, 0));
        rc = rc ? rc : ns_buf_append(b, "</text>\n", 8);
    }
    for (int k = 0; k < ns && !rc; k++) {
        const char *col = s_colors[k];
        if (line) {
            rc = ns_buf_appendf(b, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" "
                                   "stroke-width=\"2\" points=\"", col);
            for (int i = 0; i < rows && !rc; i++) {
                double v;
                if (s_num(r, i, cols[k], &v))
                    rc = ns_buf_appendf(b, "%.1f,%.1f ", S_ML + slot * (i + 0.5), Y(v));
            }
            rc = rc ? rc : ns_buf_append(b, "\"/>\n", 4);
        }
        for (int i = 0; i < rows && !rc; i++) {
            double v;
            if (!s_num(r, i, cols[k], &v))
                continue;
            if (line) {
                rc = ns_buf_appendf(b, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">",
                                    S_ML + slot * (i + 0.5), Y(v), col);
            } else {
                double bw = slot * 0.8 / ns, x = S_ML + slot * (i + 0.1) + bw * k;
                double ya = Y(v), yb = y0, top = ya < yb ? ya : yb, h = fabs(yb - ya);
                rc = ns_buf_appendf(b,
                                    "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                    "height=\"%.1f\" fill=\"%s\">",
                                    x, top, bw, h < 0.5 ? 0.5 : h, col);
            }
            rc = rc ? rc : ns_buf_append(b, "<title>", 7);
            rc = rc ? rc : s_esc(b, PQgetisnull(r, i, 0) ? "(none)" : PQgetvalue(r, i, 0));
            rc = rc ? rc : ns_buf_append(b, ", ", 2);
            rc = rc ? rc : s_esc(b, PQfname(r, cols[k]));
            rc = rc ? rc : ns_buf_append(b, ": ", 2);
            rc = rc ? rc : s_esc(b, PQgetvalue(r, i, cols[k]));
            rc = rc ? rc : ns_buf_appendf(b, "</title></%s>\n", line ? "circle" : "rect");
        }
    }
    /* the legend, three entries a line, under the x labels */
    for (int k = 0; k < ns && !rc; k++) {
        double x = S_ML + (k % 3) * 190.0, y = S_H + 24.0 * (k / 3) + 4;
        rc = ns_buf_appendf(b,
                            "<g class=\"legend\"><rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                            "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
                            x, y, s_colors[k], x + 16, y + 10);
        rc = rc ? rc : s_esc(b, PQfname(r, cols[k]));
        rc = rc ? rc : ns_buf_append(b, "</text></g>\n", 12);
    }
    if (!any && !rc)
        rc = ns_buf_appendf(b, "<text class=\"empty\" x=\"%d\" y=\"%d\">no data</text>\n", S_W / 2, S_H / 2);
#undef Y
    return rc ? rc : ns_buf_append(b, "</svg>\n", 7);
}

static int s_table(ns_buf_t *b, const PGresult *r)
{
    int rc = ns_buf_appendf(b, "<table class=\"numbers\">\n<tr>");
    for (int c = 0; c < PQnfields(r) && !rc; c++) {
        rc = ns_buf_append(b, "<th>", 4);
        rc = rc ? rc : s_esc(b, PQfname(r, c));
        rc = rc ? rc : ns_buf_append(b, "</th>", 5);
    }
    rc = rc ? rc : ns_buf_append(b, "</tr>\n", 6);
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        rc = ns_buf_append(b, "<tr>", 4);
        for (int c = 0; c < PQnfields(r) && !rc; c++) {
            double v;
            rc = ns_buf_append(b, c > 0 && s_num(r, i, c, &v) ? "<td class=\"n\">" : "<td>",
                               c > 0 && s_num(r, i, c, &v) ? 14 : 4);
            rc = rc ? rc : s_esc(b, PQgetvalue(r, i, c));
            rc = rc ? rc : ns_buf_append(b, "</td>", 5);
        }
        rc = rc ? rc : ns_buf_append(b, "</tr>\n", 6);
    }
    return rc ? rc : ns_buf_append(b, "</table>\n", 9);
}

static int s_csv_field(ns_buf_t *b, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")])
        return ns_buf_append(b, s, strlen(s));
    int rc = ns_buf_append(b, "\"", 1);
    for (; *s && !rc; s++)
        rc = *s == '"' ? ns_buf_append(b, "\"\"", 2) : ns_buf_append(b, s, 1);
    return rc ? rc : ns_buf_append(b, "\"", 1);
}

static int s_csv(ns_buf_t *b, const PGresult *r)
{
    int rc = 0;
    for (int c = 0; c < PQnfields(r) && !rc; c++) {
        rc = c ? ns_buf_append(b, ",", 1) : 0;
        rc = rc ? rc : s_csv_field(b, PQfname(r, c));
    }
    rc = rc ? rc : ns_buf_append(b, "\r\n", 2);
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        for (int c = 0; c < PQnfields(r) && !rc; c++) {
            rc = c ? ns_buf_append(b, ",", 1) : 0;
            rc = rc ? rc : s_csv_field(b, PQgetvalue(r, i, c)); /* NULL: empty */
        }
        rc = rc ? rc : ns_buf_append(b, "\r\n", 2);
    }
    return rc;
}

/* Writes b to dir/name through a temporary file and a rename. */
static int s_save(const char *dir, const char *name, const ns_buf_t *b, ns_err_t *err)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return ns_errf(err, "cannot write '%s': %s", tmp, strerror(errno));
    int bad = b->len && fwrite(b->data, 1, b->len, f) != b->len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        int e = errno;
        remove(tmp);
        return ns_errf(err, "cannot write '%s': %s", path, strerror(e));
    }
    return 0;
}

static const char s_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>nightshift: the CEO's questions</title>\n<style>\n"
    "body{font-family:sans-serif;margin:24px;color:#222}\n"
    "section{border-top:1px solid #ccc;padding:12px 0;display:flex;flex-wrap:wrap;gap:24px}\n"
    "section h2{flex-basis:100%;margin:0}\n.desc{flex-basis:100%;font-size:13px;color:#444}\n"
    ".desc p{margin:4px 0;white-space:pre-line}\n"
    "table.numbers{border-collapse:collapse;font-size:12px;align-self:flex-start}\n"
    "table.numbers td,table.numbers th{border:1px solid #ddd;padding:2px 6px}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "</style></head><body>\n<h1>The CEO's questions</h1>\n";

int ns_report_write(PGconn *c, const char *dir, ns_err_t *err)
{
    if (mkdir(dir, 0777) && errno != EEXIST)
        return ns_errf(err, "cannot create '%s': %s", dir, strerror(errno));
    ns_buf_t html, csv;
    ns_buf_init(&html, S_OUT_MAX);
    ns_buf_init(&csv, S_OUT_MAX);
    s_meta_t m;
    ns_buf_init(&m.desc, 1 << 20);
    int rc = ns_buf_append(&html, s_head, sizeof s_head - 1), n = 0;
    if (rc)
        ns_errf(err, "out of memory");
    for (const ns_wh_sql_t *f = ns_wh_sql_files; f->path && !rc; f++) {
        if (strncmp(f->path, "queries/", 8))
            continue;
        char id[64], name[80];
        s_short(f->path, id, sizeof id);
        ns_buf_reset(&m.desc);
        if (s_meta(f->text, &m)) {
            rc = ns_errf(err, "%s: out of memory", f->path);
            break;
        }
        PGresult *r = PQexec(c, f->text);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            char what[200];
            snprintf(what, sizeof what, "query %s failed", f->path);
            rc = ns_wh_err(err, r, c, what);
            PQclear(r);
            break;
        }
        rc = ns_buf_appendf(&html, "<section id=\"%s\">\n<h2>", id);
        rc = rc ? rc : s_esc(&html, m.title[0] ? m.title : f->path);
        rc = rc ? rc : ns_buf_appendf(&html, "</h2>\n<div class=\"desc\">%s<p>Data: <a href=\"%s.csv\">%s.csv</a>"
                                             " (%d rows), from %s.</p></div>\n",
                                      m.desc.data ? m.desc.data : "", id, id, PQntuples(r), f->path);
        rc = rc ? rc : s_chart(&html, r, &m);
        rc = rc ? rc : s_table(&html, r);
        rc = rc ? rc : ns_buf_append(&html, "</section>\n", 11);
        ns_buf_reset(&csv);
        rc = rc ? rc : s_csv(&csv, r);
        PQclear(r);
        if (rc) {
            ns_errf(err, "%s: the report is too large (or out of memory)", f->path);
            break;
        }
        snprintf(name, sizeof name, "%s.csv", id);
        rc = s_save(dir, name, &csv, err);
        n++;
    }
    if (!rc && !n)
        rc = ns_errf(err, "no queries embedded (warehouse/queries/*.sql)");
    rc = rc ? rc : ns_buf_append(&html, "</body></html>\n", 15);
    rc = rc ? rc : s_save(dir, "index.html", &html, err);
    ns_buf_free(&m.desc);
    ns_buf_free(&html);
    ns_buf_free(&csv);
    return rc ? -1 : 0;
}
