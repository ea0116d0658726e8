"""Bokeh charts for the portal: pure figure builders, JSON embedding and a cache of rendered JSON.

The contract for every feature that shows a chart
-------------------------------------------------
1. Build the figure with a pure function in this package (data in, ``bokeh.plotting.figure`` out): no Flask, no
   database. Start from :func:`portal.charts.theme.new_figure` so every chart has the same look, no toolbar (nothing
   for a keyboard user to get stuck in) and its title left to the page's <figcaption>. Never use ``CustomJS`` or
   JavaScript tick formatters: the CSP forbids eval (use ``FixedTicker`` + ``major_label_overrides`` or
   :func:`portal.charts.theme.number_axis`). Pass plain lists/dicts to ``ColumnDataSource`` (not DataFrames).
2. Serve the chart as JSON from your own route (with its access decorator)::

       from portal.charts.cache import cached_chart_json
       from portal.charts.embed import CHART_JSON_MIMETYPE
       body = cached_chart_json(
           key=f"surveys:{survey.id}:responses",           # what the chart shows (and for whom)
           data_version=str(survey.updated_at.timestamp()),  # changes whenever the data behind it changes
           build=lambda: build_my_figure(rows),              # only called on a cache miss
           cache_dir=current_app.config["CHART_CACHE_DIR"],
       )
       return Response(body, mimetype=CHART_JSON_MIMETYPE)

   A warm chart does no Bokeh work (in-process LRU first, then a JSON file under ``CHART_CACHE_DIR``). The cache adds
   the code and Bokeh versions to every key itself (``portal.charts.cache.renderer_fingerprint``): give only what the
   chart shows and the version of its data, never a style or Bokeh version of your own.
3. In the page template::

       {% from "components/charts.html" import chart_with_table, chart_scripts %}
       {{ chart_with_table("responses-chart", url_for("surveys.chart_json", ...), "Responses by week",
                           "Bar chart of responses per week.", ["Week", {"text": "Responses", "numeric": true}],
                           rows, url_for("surveys.chart_csv", ...)) }}
       {% block extra_scripts %}{{ chart_scripts() }}{% endblock %}

   ``chart_scripts()`` loads Bokeh from this site (endpoint ``indicators.bokeh_static``, URL versioned with Bokeh's
   version and cached for a year) and ``static/js/charts.js``, which fetches each ``[data-bokeh-json]`` element's
   JSON and calls ``Bokeh.embed.embed_item`` — no inline scripts, so the strict CSP holds. Charts inside fragments
   swapped in by HTMX are drawn too (``htmx:afterSettle``). Chart ids must be unique on the page.
4. Every chart comes with a real HTML table of exactly the data it draws and a CSV download of the same rows: build
   both from one list of rows, using :func:`portal.charts.tables.to_csv` (neutralises cells a spreadsheet would run
   as formulas) and :func:`portal.charts.tables.format_number`. Without JavaScript the table and CSV are the chart.
   ``portal.charts.chart_data.ChartData`` is a worked example (one object gives the table, CSV and figure).
"""
