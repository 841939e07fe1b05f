-- title: Store attributes and sales per square foot
-- chart: bar
-- plot: effect
--
-- Question 7 of the CEO: what makes a store sell more per square foot?
-- Own stores' sales per square foot by mall type, staff and manager
-- tenure, endcap fixtures, circular program and in-store displays.
--
-- Method (own stores, dim_store attributes, sales_retail): a store's
-- level is ln(its mean daily units); its size is taken out by regressing
-- the level on ln(square_feet) (bigger stores sell more, not in
-- proportion); what is left is compared by mall type (the mean by type,
-- against strip), then, with the mall type taken out, regressed on staff
-- and on manager tenure in years (one after the other), and the rest
-- compared by fixtures. Sequential, not a joint fit: with few stores an
-- attribute that happens to go with another borrows some of its effect.
--
-- Columns: attribute (mall: TYPE; staff tenure +1 year; manager tenure +1
-- year; endcaps / circular / displays: yes against no); stores (stores in
-- the group, or all for a slope); usd_per_sqft_year (net USD per square
-- foot, annualized from the days in the data; empty for a slope); effect
-- (the factor on units: 1.12 = 12% more than the reference, size and the
-- attributes before it taken out).
-- Recovers the planted store effect (docs/GENERATOR.md: mall strip 1.00,
-- enclosed 1.12, street 0.94, outlet 0.86; +4% per year of staff tenure,
-- +2% per year of manager tenure). Endcaps, circulars and displays work
-- through promotions (question 3), not through traffic.
WITH days AS (SELECT count(DISTINCT business_date) AS n FROM sales_retail),
st AS (
    SELECT s.store_id, s.mall_type, s.square_feet::float8 AS sqft,
           s.staff_tenure_months / 12.0 AS staff_y, s.manager_tenure_months / 12.0 AS mgr_y,
           s.endcaps > 0 AS endcaps, s.circular_program = 'Y' AS circular, s.in_store_displays > 0 AS displays,
           ln(sum(f.units)::float8 / max(days.n)) AS y,
           sum(f.net_usd)::float8 / s.square_feet / max(days.n) * 365 AS usd_sqft_year
    FROM dim_store s JOIN sales_retail f ON f.store_key = s.store_id, days
    WHERE coalesce(s.partner, '') = ''
    GROUP BY s.store_id, s.mall_type, s.square_feet, s.staff_tenure_months, s.manager_tenure_months,
             s.endcaps, s.circular_program, s.in_store_displays
    HAVING sum(f.units) > 0
),
size_fit AS (SELECT regr_slope(y, ln(sqft)) AS b, regr_intercept(y, ln(sqft)) AS a FROM st),
e1 AS (SELECT st.*, y - (a + b * ln(sqft)) AS e FROM st, size_fit),
mall AS (SELECT mall_type, avg(e) AS m, count(*) AS n, avg(usd_sqft_year) AS usd FROM e1 GROUP BY 1),
e2 AS (SELECT e1.*, e - m.m AS e2 FROM e1 JOIN mall m USING (mall_type)),
staff AS (SELECT regr_slope(e2, staff_y) AS b, avg(staff_y) AS x FROM e2),
e3 AS (SELECT e2.*, e2 - staff.b * (staff_y - staff.x) AS e3 FROM e2, staff),
mgr AS (SELECT regr_slope(e3, mgr_y) AS b, avg(mgr_y) AS x FROM e3),
e4 AS (SELECT e3.*, e3 - mgr.b * (mgr_y - mgr.x) AS e4 FROM e3, mgr),
strip AS (SELECT m FROM mall WHERE mall_type = 'strip'),
flags AS (
    SELECT 'endcaps: yes vs no' AS attribute, count(*) FILTER (WHERE endcaps) AS n,
           avg(usd_sqft_year) FILTER (WHERE endcaps) AS usd,
           exp(avg(e4) FILTER (WHERE endcaps) - avg(e4) FILTER (WHERE NOT endcaps)) AS effect, 7 AS o FROM e4
    UNION ALL
    SELECT 'circular: yes vs no', count(*) FILTER (WHERE circular), avg(usd_sqft_year) FILTER (WHERE circular),
           exp(avg(e4) FILTER (WHERE circular) - avg(e4) FILTER (WHERE NOT circular)), 8 FROM e4
    UNION ALL
    SELECT 'displays: yes vs no', count(*) FILTER (WHERE displays), avg(usd_sqft_year) FILTER (WHERE displays),
           exp(avg(e4) FILTER (WHERE displays) - avg(e4) FILTER (WHERE NOT displays)), 9 FROM e4
)
SELECT attribute, stores, round(usd::numeric, 2) AS usd_per_sqft_year, round(effect::numeric, 3) AS effect
FROM (
    SELECT 'mall: ' || mall_type AS attribute, n AS stores, usd,
           exp(m - coalesce((SELECT m FROM strip), 0)) AS effect,
           CASE mall_type WHEN 'strip' THEN 1 WHEN 'enclosed' THEN 2 WHEN 'street' THEN 3 ELSE 4 END AS o
    FROM mall
    UNION ALL
    SELECT 'staff tenure +1 year', (SELECT count(*) FROM e2), NULL, exp(b), 5 FROM staff
    UNION ALL
    SELECT 'manager tenure +1 year', (SELECT count(*) FROM e3), NULL, exp(b), 6 FROM mgr
    UNION ALL
    SELECT attribute, n, usd, effect, o FROM flags
) x
ORDER BY o, attribute;
