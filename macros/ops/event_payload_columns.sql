{#- The event store's payload columns and their types, in order: the one definition of its schema. -#}
{% macro event_payload_columns() -%}
    {{ return([
        ('employee_id', dbt.type_string()),
        ('event_type', dbt.type_string()),
        ('effective_date', 'date'),
        ('compensation_before', 'decimal(18, 2)'),
        ('compensation_after', 'decimal(18, 2)'),
        ('job_level_before', 'integer'),
        ('job_level_after', 'integer'),
        ('deferral_rate_before', type_double()),
        ('deferral_rate_after', type_double()),
        ('amount', 'decimal(18, 2)'),
        ('reason', dbt.type_string()),
        ('probability', type_double()),
        ('draw', type_double()),
        ('birth_date', 'date'),
    ]) }}
{%- endmacro %}
