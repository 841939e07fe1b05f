-- title: Trends per clothing line
-- chart: bar
-- plot: share_pct, growth_pct_year
--
-- Question 4 of the CEO: which clothing lines grow and which shrink? Units
-- sold per clothing line (dim_product.clothing_line) and ISO week in
-- every channel (fact_sales), and each line's annualized growth of its
-- share of all units: exp(52.18 x slope of ln(weekly share) over the week
-- number) - 1. Using the share takes out what moves every line alike
-- (seasons, weekdays, the channels' own trends, the number of stores).
--
-- Columns: clothing_line; units (net units over the period); share_pct
-- (its share of all units, %); first_week_share_pct, last_week_share_pct
-- (share in the first and last whole week); growth_pct_year (annualized
-- growth of the share, %; empty with fewer than 13 whole weeks); weeks
-- (whole weeks behind the growth).
-- Recovers the planted clothing-line trends relative to each other
-- (Essentials 0%, Denim Lab +5%, Studio +15%, Active +25%, Heritage -10%,
-- Outdoor +8% a year; docs/GENERATOR.md) on runs of many months: over a few
-- weeks a trend of a few % a year is far below the weekly noise.
WITH w AS (
    SELECT date_trunc('week', f.business_date)::date AS week, p.clothing_line,
           sum(f.units)::float8 AS units
    FROM fact_sales f JOIN dim_product p USING (sku)
    GROUP BY 1, 2
),
full_weeks AS ( -- weeks in which every day has sales (no partial edge weeks)
    SELECT date_trunc('week', business_date)::date AS week
    FROM fact_sales GROUP BY 1 HAVING count(DISTINCT business_date) = 7
),
sh AS (
    SELECT w.week, w.clothing_line, w.units, w.units / sum(w.units) OVER (PARTITION BY w.week) AS share
    FROM w JOIN full_weeks USING (week)
)
SELECT l.clothing_line,
       (SELECT sum(units) FROM w WHERE w.clothing_line = l.clothing_line)::bigint AS units,
       round((100 * (SELECT sum(units) FROM w WHERE w.clothing_line = l.clothing_line)
              / (SELECT sum(units) FROM w))::numeric, 2) AS share_pct,
       round((100 * (array_agg(share ORDER BY week))[1])::numeric, 2) AS first_week_share_pct,
       round((100 * (array_agg(share ORDER BY week DESC))[1])::numeric, 2) AS last_week_share_pct,
       CASE WHEN count(*) >= 13 THEN
         round(((exp(52.18 * regr_slope(ln(share), (week - DATE '2000-01-03') / 7.0)) - 1) * 100)::numeric, 1)
       END AS growth_pct_year,
       count(*) AS weeks
FROM (SELECT DISTINCT clothing_line FROM w) l LEFT JOIN sh USING (clothing_line)
GROUP BY l.clothing_line
ORDER BY growth_pct_year DESC NULLS LAST, l.clothing_line;
