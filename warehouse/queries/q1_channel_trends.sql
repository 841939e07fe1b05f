-- title: Sales trends across channels
-- chart: line
-- plot: retail_usd, department_usd, discount_usd, online_usd
--
-- Question 1 of the CEO: how do sales trend in each channel? Net sales in
-- US dollars (fact_sales.net_usd: returns and voids netted) per ISO week
-- (Monday to Sunday) and channel, with the week-over-week growth of the
-- total and each channel's annualized growth over the whole period.
--
-- Columns: week (its Monday); days (business days in the week that have
-- sales); retail_usd, department_usd, discount_usd, online_usd (net sales
-- of the week); total_usd; total_wow_pct (total against the week before,
-- in %; empty for the first week); *_growth_pct_year (each channel's
-- annualized growth: exp(52.18 x the slope of ln(weekly sales) over the
-- week number) - 1 over whole weeks, the same on every row; empty with
-- fewer than 13 whole weeks: a quarter is the least it means anything).
-- Partial first and last weeks are lower: read the growth on whole weeks.
-- Partners report by period: discount stores by ISO week (dated the
-- Sunday), GRANDDEPT by Wednesday-to-Tuesday week (dated the Tuesday).
--
-- The sums of each channel's column equal the generator's totals.sales_usd
-- of that channel exactly (the exact-totals check); the growth columns
-- recover the planted channel trends (retail -3%, department -6%, discount
-- +2%, online +25% a year) only over long runs (a year or more: weekly
-- noise and the seasons dominate a few weeks).
WITH wk AS (
    SELECT date_trunc('week', business_date)::date AS week, channel,
           count(DISTINCT business_date) AS days, sum(net_usd) AS usd
    FROM fact_sales GROUP BY 1, 2
),
piv AS (
    SELECT week, max(days) AS days,
           coalesce(sum(usd) FILTER (WHERE channel = 'retail'), 0) AS retail_usd,
           coalesce(sum(usd) FILTER (WHERE channel = 'department'), 0) AS department_usd,
           coalesce(sum(usd) FILTER (WHERE channel = 'discount'), 0) AS discount_usd,
           coalesce(sum(usd) FILTER (WHERE channel = 'online'), 0) AS online_usd,
           sum(usd) AS total_usd
    FROM wk GROUP BY 1
),
growth AS (
    SELECT channel,
           CASE WHEN count(*) >= 13 THEN
             round(((exp(52.18 * regr_slope(ln(usd::float8), (week - DATE '2000-01-03') / 7.0)) - 1) * 100)::numeric, 1)
           END AS pct
    FROM wk WHERE usd > 0 AND days = 7 GROUP BY 1 -- whole weeks only
)
SELECT p.week, p.days, p.retail_usd, p.department_usd, p.discount_usd, p.online_usd, p.total_usd,
       round(100 * (p.total_usd / nullif(lag(p.total_usd) OVER (ORDER BY p.week), 0) - 1), 1) AS total_wow_pct,
       (SELECT pct FROM growth WHERE channel = 'retail') AS retail_growth_pct_year,
       (SELECT pct FROM growth WHERE channel = 'department') AS department_growth_pct_year,
       (SELECT pct FROM growth WHERE channel = 'discount') AS discount_growth_pct_year,
       (SELECT pct FROM growth WHERE channel = 'online') AS online_growth_pct_year
FROM piv p
ORDER BY p.week;
