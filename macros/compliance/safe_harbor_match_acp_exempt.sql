{#- A safe-harbor match exempt from the ACP test (Treas. Reg. §1.401(m)-3): a basic, enhanced or QACA match that
    matches deferrals up to 6% of pay at most. The ACP test and the top-heavy exemption (§416(g)(4)(H)) both read it. -#}
{% macro safe_harbor_match_acp_exempt(safe_harbor, match_deferral_ceiling) -%}
    ({{ safe_harbor }} in ('basic_match', 'enhanced_match', 'qaca') and {{ match_deferral_ceiling }} <= 0.06)
{%- endmacro %}
