"""What the pages read and do, one module per page (overview, integrations, csv_import, automations,
templates, activity, carts, loyalty, segments), shell for app.py's sidebar, common for what several
pages share, and errors for putting an error into words. No Streamlit here: the pages lay out what
these modules return, and import nothing else from the core but core.i18n."""
