"""The shop CRM console's core: everything but the Streamlit widgets."""
