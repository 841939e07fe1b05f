-- title: Most effective online ads
-- chart: bar
-- plot: conversion_rate_pct, roas
--
-- Question 6 of the CEO: which online campaigns pay? Per campaign (the
-- landing campaign of web_sessions, with ads_daily's spend and clicks):
-- sessions, converted sessions, orders, conversion rate, cost per
-- attributed order and return on ad spend. Sessions without a campaign
-- are shown by where they came from: (organic), (referral), (direct: also
-- visitors coming back).
--
-- Attribution: an order belongs to the campaign of the session it was
-- placed in (web_sessions.order_id). sales_online has no order id
-- (docs/WAREHOUSE.md), so an order's revenue is the mean net USD per
-- order of its day: that day's sales_online net_usd / the day's orders in
-- web_sessions (orders placed without a tracked session, ~8%, are spread
-- over the tracked ones).
--
-- Columns: campaign; platform (search, social, email, or the traffic
-- source); clicks and cost_usd (ads_daily, paid campaigns only); sessions;
-- converted (sessions with an order); orders (distinct order ids);
-- conversion_rate_pct (converted / sessions, %); cost_per_order_usd (cost /
-- orders); revenue_usd (attributed as above); roas (revenue / cost).
-- Recovers the planted conversion rate by campaign (docs/GENERATOR.md:
-- brand_core 6.5%, retargeting_dpa 5.5%, ...; organic 2.8%, referral 2.0%)
-- and equals the generator's totals.web_sessions_by_campaign sessions and
-- converted sessions exactly.
WITH s AS (
    SELECT CASE WHEN coalesce(campaign_name, '') <> '' THEN campaign_name
                WHEN campaign_medium = 'organic' THEN '(organic)'
                WHEN campaign_medium = 'referral' THEN '(referral)'
                ELSE '(direct)' END AS campaign,
           coalesce(nullif(campaign_medium, ''), 'direct') AS medium,
           session_date, converted, order_id
    FROM web_sessions
),
day_rev AS ( -- mean net USD per tracked order, per day
    SELECT o.day, o.usd / nullif(t.orders, 0) AS per_order
    FROM (SELECT business_date AS day, sum(net_usd) AS usd FROM sales_online GROUP BY 1) o
    JOIN (SELECT session_date AS day, count(DISTINCT order_id) AS orders FROM s
          WHERE coalesce(order_id, '') <> '' GROUP BY 1) t USING (day)
),
c AS (
    SELECT s.campaign, max(s.medium) AS medium, count(*) AS sessions,
           count(*) FILTER (WHERE s.converted) AS converted,
           count(DISTINCT nullif(s.order_id, '')) AS orders,
           sum(r.per_order) FILTER (WHERE coalesce(s.order_id, '') <> '') AS revenue
    FROM s LEFT JOIN day_rev r ON r.day = s.session_date
    GROUP BY 1
),
a AS (
    SELECT campaign, max(platform) AS platform, sum(clicks) AS clicks, sum(cost) AS cost
    FROM ads_daily GROUP BY 1
)
SELECT c.campaign, coalesce(a.platform, c.medium) AS platform, a.clicks, a.cost AS cost_usd,
       c.sessions, c.converted, c.orders,
       round(100.0 * c.converted / c.sessions, 2) AS conversion_rate_pct,
       round(a.cost / nullif(c.orders, 0), 2) AS cost_per_order_usd,
       round(c.revenue::numeric, 2) AS revenue_usd,
       round((c.revenue / nullif(a.cost, 0))::numeric, 2) AS roas
FROM c LEFT JOIN a USING (campaign)
ORDER BY c.converted::float8 / c.sessions DESC;
