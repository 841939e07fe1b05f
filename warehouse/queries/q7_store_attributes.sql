-- title: Store attributes and sales per square foot
-- chart: bar
-- plot: effect
--
-- Question 7 of the CEO: what makes a store sell more per square foot?
-- Own stores' sales per square foot by mall type, staff and manager
-- tenure, endcap fixtures, circular program and in-store displays.
--
-- Method (own stores, dim_store attributes, sales_retail): one joint
-- least-squares fit across the stores of ln(the store's mean daily units)
-- on the mall type (enclosed, street, outlet against strip), staff and
-- manager tenure in years, endcaps / circular / displays (yes or no: the
-- promotions they bring, question 3), size (ln square feet and its square:
-- bigger stores sell more, not in proportion), and, as controls, the
-- store's region (region means taken out: the weather of question 5) and
-- ln(its state's unemployment rate) for US stores (the rate of the month
-- two before each day's month, over the period, as question 5). The channel is one
-- (own stores), and the day's promotions, weekday and season are the same
-- for every store: they cancel in the means. Joint, so an attribute that
-- happens to go with another (outlets with short tenures, say) does not
-- borrow its effect; solved in SQL by Gauss-Jordan elimination on the
-- normal equations. An attribute that no store or every store has (or
-- that the others explain) is left out of the fit: its effect is empty.
--
-- Columns: attribute (mall: TYPE; staff tenure +1 year; manager tenure +1
-- year; endcaps / circular / displays: yes against no); stores (stores in
-- the group, or all for a slope); usd_per_sqft_year (net USD per square
-- foot, annualized from the days in the data; empty for a slope); effect
-- (the factor on units: 1.12 = 12% more than the reference, all the other
-- attributes and controls held equal; strip is the reference, 1).
-- Recovers the planted store effect (docs/GENERATOR.md: mall strip 1.00,
-- enclosed 1.12, street 0.94, outlet 0.86; +4% per year of staff tenure,
-- +2% per year of manager tenure). The fixtures' effects are their
-- promotions' extra units over the whole store (question 3 measures the
-- lift on the promoted categories).
WITH RECURSIVE days AS (SELECT count(DISTINCT business_date) AS n, min(business_date) AS d0, max(business_date) AS d1
              FROM sales_retail),
fips(fips, state) AS (VALUES
    ('01','AL'),('02','AK'),('04','AZ'),('05','AR'),('06','CA'),('08','CO'),('09','CT'),('10','DE'),
    ('11','DC'),('12','FL'),('13','GA'),('15','HI'),('16','ID'),('17','IL'),('18','IN'),('19','IA'),
    ('20','KS'),('21','KY'),('22','LA'),('23','ME'),('24','MD'),('25','MA'),('26','MI'),('27','MN'),
    ('28','MS'),('29','MO'),('30','MT'),('31','NE'),('32','NV'),('33','NH'),('34','NJ'),('35','NM'),
    ('36','NY'),('37','NC'),('38','ND'),('39','OH'),('40','OK'),('41','OR'),('42','PA'),('44','RI'),
    ('45','SC'),('46','SD'),('47','TN'),('48','TX'),('49','UT'),('50','VT'),('51','VA'),('53','WA'),
    ('54','WV'),('55','WI'),('56','WY'),('72','PR')),
urate AS ( -- per state: the rate of the month two before each day's month, over the period's days (as question 5)
    SELECT f.state, avg(u.rate)::float8 AS rate
    FROM days, generate_series(days.d0, days.d1, interval '1 day') p(day)
    JOIN unemployment_monthly u
      ON make_date(u.year::int, substr(u.period, 2)::int, 1) = date_trunc('month', p.day) - interval '2 months'
    JOIN fips f ON f.fips = u.state_fips
    GROUP BY 1
),
st AS ( -- own stores: ln(mean daily units), the attributes as regressors
    SELECT s.store_id, s.region, s.mall_type, s.endcaps > 0 AS endcaps, s.circular_program = 'Y' AS circular,
           s.in_store_displays > 0 AS displays,
           ln(sum(f.units)::float8 / max(days.n)) AS y,
           sum(f.net_usd)::float8 / s.square_feet / max(days.n) * 365 AS usd_sqft_year,
           ARRAY[(s.mall_type = 'enclosed')::int, (s.mall_type = 'street')::int, (s.mall_type = 'outlet')::int,
                 s.staff_tenure_months / 12.0, s.manager_tenure_months / 12.0,
                 (s.endcaps > 0)::int, (s.circular_program = 'Y')::int, (s.in_store_displays > 0)::int,
                 ln(s.square_feet), ln(s.square_feet) ^ 2,
                 coalesce(ln(max(ur.rate)), 0)]::float8[] AS x
    FROM dim_store s JOIN sales_retail f ON f.store_key = s.store_id
    LEFT JOIN urate ur ON ur.state = s.state AND s.country = 'US', days
    WHERE coalesce(s.partner, '') = ''
    GROUP BY s.store_id, s.region, s.mall_type, s.square_feet, s.staff_tenure_months, s.manager_tenure_months,
             s.endcaps, s.circular_program, s.in_store_displays
    HAVING sum(f.units) > 0
),
-- region means out (the region's weather), then the joint fit
dy AS (SELECT store_id, y - avg(y) OVER (PARTITION BY region) AS y FROM st),
dx AS (
    SELECT store_id, k::int AS k, v - avg(v) OVER (PARTITION BY region, k) AS v
    FROM st, unnest(st.x) WITH ORDINALITY u(v, k)
),
nv AS (SELECT max(k) AS n, max(k) + 1 AS w FROM dx),
ne AS ( -- the normal equations: row i holds sum(x_i x_j), j = 1..n, then sum(x_i y)
    SELECT a.k AS i, b.k AS j, sum(a.v * b.v) AS s FROM dx a JOIN dx b USING (store_id) GROUP BY 1, 2
    UNION ALL
    SELECT a.k, max(nv.w), sum(a.v * dy.y) FROM dx a JOIN dy USING (store_id), nv GROUP BY 1
),
m0 AS (SELECT array_agg(s ORDER BY i, j) AS m FROM ne),
gj(p, m) AS ( -- Gauss-Jordan, pivot p + 1 at each step; a pivot that is ~0 (an attribute no store or
              -- every store has, or one the others explain) is skipped: that attribute is left out
    SELECT 0, m FROM m0
    UNION ALL
    SELECT gj.p + 1, (
        SELECT array_agg(CASE
                   WHEN abs(gj.m[gj.p * nv.w + gj.p + 1]) <= 1e-9 * abs(m0.m[gj.p * nv.w + gj.p + 1]) + 1e-300
                        THEN gj.m[(r - 1) * nv.w + c]
                   WHEN r = gj.p + 1 THEN gj.m[gj.p * nv.w + c] / gj.m[gj.p * nv.w + gj.p + 1]
                   ELSE gj.m[(r - 1) * nv.w + c]
                        - gj.m[(r - 1) * nv.w + gj.p + 1] * gj.m[gj.p * nv.w + c] / gj.m[gj.p * nv.w + gj.p + 1]
                   END ORDER BY r, c)
        FROM generate_series(1, nv.n) r, generate_series(1, nv.w) c)
    FROM gj, nv, m0 WHERE gj.p < nv.n
),
coef AS (
    SELECT i, CASE WHEN abs(gj.m[(i - 1) * nv.w + i] - 1) < 1e-6 THEN gj.m[(i - 1) * nv.w + nv.w] END AS b
    FROM gj, nv, generate_series(1, nv.n) i WHERE gj.p = nv.n
),
grp AS ( -- the rows: stores and net USD per square foot of each group
    SELECT 'mall: ' || mall_type AS attribute, count(*) AS stores, avg(usd_sqft_year) AS usd FROM st GROUP BY 1
    UNION ALL
    SELECT 'staff tenure +1 year', count(*), NULL FROM st
    UNION ALL
    SELECT 'manager tenure +1 year', count(*), NULL FROM st
    UNION ALL
    SELECT 'endcaps: yes vs no', count(*) FILTER (WHERE endcaps), avg(usd_sqft_year) FILTER (WHERE endcaps) FROM st
    UNION ALL
    SELECT 'circular: yes vs no', count(*) FILTER (WHERE circular), avg(usd_sqft_year) FILTER (WHERE circular) FROM st
    UNION ALL
    SELECT 'displays: yes vs no', count(*) FILTER (WHERE displays), avg(usd_sqft_year) FILTER (WHERE displays) FROM st
),
labels(i, attribute, o) AS (VALUES
    (0, 'mall: strip', 1), (1, 'mall: enclosed', 2), (2, 'mall: street', 3), (3, 'mall: outlet', 4),
    (4, 'staff tenure +1 year', 5), (5, 'manager tenure +1 year', 6),
    (6, 'endcaps: yes vs no', 7), (7, 'circular: yes vs no', 8), (8, 'displays: yes vs no', 9))
SELECT l.attribute, g.stores, round(g.usd::numeric, 2) AS usd_per_sqft_year,
       round(exp(CASE WHEN l.i = 0 THEN 0 ELSE c.b END)::numeric, 3) AS effect
FROM labels l JOIN grp g USING (attribute) LEFT JOIN coef c USING (i)
ORDER BY l.o;
