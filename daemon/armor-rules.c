/* armor: the English phrase rules for injection, jailbreak, prompt extraction and exfiltration. */
#include "armor-internal.h"

/*
 * The pattern language is in armor-phrase.c. Weights: 75 and up is
 * malicious on its own, 40 and up suspicious; weaker rules only count
 * together with others. A word that also has an innocent use ("pretend",
 * "jailbreak", "unfiltered") is weak alone and strong next to a
 * persona or a rule being dropped: the NotInject texts are full of such
 * words and must stay clean.
 */

#define R(cat, w, id, msg, pat) \
	{ .category = cat, .weight = w, .rule = id, .message = msg, .pattern = pat }
#define RS(cat, w, src, id, msg, pat) \
	{ .category = cat, .weight = w, .sources = src, .rule = id, .message = msg, .pattern = pat }
#define RD(cat, w, dw, src, id, msg, pat)                                               \
	{ .category = cat, .weight = w, .dest_weight = dw, .sources = src, .rule = id, \
	  .message = msg, .pattern = pat }

/* Verbs that tell a model to drop what it was told. */
#define IGNORE                                                                                 \
	"ignor|disregard|forget|overlook|neglect|bypass|override|overrid|abandon|discard|"     \
	"set_aside|put_aside|pay_no_attention|pay_no_heed|stop_following|stop_obeying|"        \
	"stop_listening_to|do_not_follow|don_t_follow|dont_follow|do_not_obey|don_t_obey|"     \
	"do_not_listen_to|don_t_listen_to|no_longer_follow|cease_following|skip_over|"         \
	"throw_out|throw_away|get_rid_of|dismiss|supersede|nullify|forgo|leave_behind|"        \
	"regardless_of|irrespective_of|notwithstanding|in_spite_of|despite|contrary_to|"       \
	"instead_of_following|rather_than_following"
/* Weaker verbs: they drop instructions only when the noun says so. */
#define DROP "delete|erase|clear$|wipe|reset$|remove$|drop$|scrap$|ditch$|cancel|void$|skip$"
#define PRIOR                                                                                  \
	"previous|prior$|above|earlier|preceding|precedent|foregoing|former|initial|original|" \
	"old$|older|past$|existing|preexisting|pre_existing|default|given|provided|preset|"     \
	"predefined|pre_defined|preprogrammed|pre_programmed|programmed|built_in|system|"      \
	"developer|admin|all$|all_your|all_the|all_of_the|all_of_your|your_previous|"          \
	"your_prior|your_original|your_initial|underlying|earlier_given|aforementioned|"       \
	"last$|first$|preceeding|previos|prevous|previus"
#define INSTRUCTIONS                                                                           \
	"instruction|prompt|rule$|rules|direction|directive|guideline|command|order$|orders|"  \
	"context$|constraint|restriction|guardrail|programming|polic|filter|"                   \
	"message|input|text$|task|conversation|content|setting|configuration|request|"         \
	"guidance|limitation|boundar|principle|safeguard|assignment|mission|"                  \
	"objective|goal$|goals|persona|role$|dialog|discussion|words|statement|teaching|"      \
	"briefing|specification|advice|information"
#define STRONG_INSTRUCTIONS                                                                    \
	"instruction|prompt|rules|guideline|directive|programming|guardrail|restriction|"      \
	"constraint|filter|polic|training|ethic|moral|principle|limitation|safeguard|"          \
	"system_prompt|system_message"
#define ROLE_CHANGE                                                                            \
	"you_are_now|you_re_now|youre_now|now_you_are|now_you_re|from_now_on|starting_now|"     \
	"henceforth|for_the_rest_of_this_conversation|for_the_rest_of_the_conversation|"       \
	"going_forward_you|from_this_point|from_this_moment|you_will_now|you_must_now|"        \
	"now_act_as|now_pretend|you_are_going_to_act|you_are_going_to_pretend|"                \
	"you_are_going_to_play|you_will_act_as|you_will_pretend|i_want_you_to_act_as|"         \
	"i_want_you_to_pretend|i_want_you_to_roleplay|act_as_if_you|act_as_though_you|"        \
	"pretend_to_be|pretend_you_are|pretend_you_re|pretend_that_you|roleplay_as|"           \
	"role_play_as|play_the_role|take_on_the_role|assume_the_role|adopt_the_persona|"       \
	"adopt_the_role|immerse_yourself|imagine_you_are|imagine_that_you_are|imagine_you_re|"  \
	"pretend_you_have|imagine_you_have|act_like_you_have|act_as_if_you_have|"              \
	"assume_you_have|pretend_there_are|imagine_there_are"
#define PERSONA_VERB                                                                           \
	ROLE_CHANGE "|you_will_be|you_shall_be|you_are_about_to|"                               \
		    "act_as|acting_as|transform_into|impersonate|"                              \
		    "respond_as|answer_as|reply_as|speak_as|known_as|stands_for|role_of|"       \
		    "mode_called|persona_called|character_called|ai_called|model_called"
/* What a jailbroken persona is called or promises. */
#define JB_PERSONA                                                                             \
	"dan$^|d_a_n$|do_anything_now|jailbr|unrestricted|unfiltered|uncensored|unlimited|"   \
	"unbound|unshackled|unchained|liberated|amoral|"                                        \
	"without_restriction|without_limit|without_filter|without_any_restriction|"            \
	"without_any_limit|without_ethic|without_moral|without_boundar|without_rules|"         \
	"without_censor|no_restriction|no_limit|no_filter|no_rules|no_ethic|no_moral|"          \
	"no_boundar|no_censor|no_guideline|developer_mode|dev_mode|god_mode|godmode|"          \
	"admin_mode|sudo_mode|root_mode|opposite_mode|chaos_mode|evil_mode|anti_dan|dude$^|"   \
	"stan$^|aim$^|kevin$^|mongo_tom|betterdan|better_dan|evil_confidant|hackerman|"        \
	"unaligned|uncontrolled|freed_from|free_from_all|not_bound|not_restricted|"            \
	"not_limited|nsfw|unhinged|completely_free|totally_free|evil_ai|rogue_ai|malicious_ai|" \
	"evil_bot|evil_assistant|evil_chatbot|unethical_ai|evil_version"
#define ENABLE                                                                                 \
	"enable|enabling|activate|activating|enter$|entering|switch_to|switch_into|turn_on|"   \
	"unlock|initiate|engage|now_in|you_are_in|you_re_in|go_into|boot_into|run_in"
#define JB_MODE                                                                                \
	"jailbr|dan$^|god_mode|godmode|unrestricted_mode|unfiltered_mode|uncensored_mode|"     \
	"evil_mode|chaos_mode|opposite_mode|anti_dan|developer_mode|dev_mode|no_restrictions_mode|" \
	"unlocked_mode|sudo_mode|root_mode|admin_mode|freedom_mode|dude_mode"
#define NEGATE_RULES                                                                           \
	"free_of|free_from|freed_from|regardless_of|ignoring|ignore|ignores|"                  \
	"disregard|bypass|circumvent|override|violate|violating|break$|breaks|breaking|"        \
	"abandon|doesn_t_care_about|does_not_care_about|don_t_care_about|do_not_care_about|"   \
	"not_care_about|doesn_t_follow|does_not_follow|don_t_follow|doesn_t_abide|"             \
	"does_not_abide|not_bound_by|unbound_by|not_restricted_by|not_limited_by|"              \
	"not_subject_to|exempt_from|liberated_from|released_from|not_have_to_abide|"           \
	"doesnt_care|doesn_t_care|does_not_care|don_t_care|dont_care|not_care|"                \
	"not_have_to_follow|never_follows|won_t_follow|will_not_follow|not_adhere|"            \
	"don_t_have_to|do_not_have_to|doesn_t_have_to|does_not_have_to|not_obliged_to"
#define AI_RULES                                                                               \
	"ethic|moral|content_polic|usage_polic|openai|anthropic|content_filter|"                \
	"content_restriction|content_guideline|censorship|guardrail|rules_set_for_them|"       \
	"safety_filter|safety_training|alignment|programming|ai_polic|ai_guideline|"           \
	"ai_restriction|ai_safety"
#define REVEAL                                                                                 \
	"reveal|show|print|output|display|repeat|tell|give|share|leak|dump|spell|write_out|"   \
	"write_down|type_out|list|provide|paste|echo|return|expose|disclose|recite|"           \
	"summarize|summarise|translate|read_out|read_back|what_is|what_are|what_s|whats|"      \
	"what_was|what_were|divulge|let_me_see|i_need_to_see|"                                 \
	"i_want_to_see|can_i_see|retrieve|extract|export|reproduce|restate|quote|"             \
	"send|post|forward|leak_out|cough_up|hand_over|fetch|read_me|paste_in"
#define SYSTEM_PROMPT                                                                          \
	"system_prompt|system_message|system_instruction|system_directive|system_rule|"        \
	"system_configuration|system_text|initial_prompt|initial_instruction|initial_message|" \
	"initial_configuration|original_prompt|original_instruction|hidden_prompt|"            \
	"hidden_instruction|hidden_rule|secret_prompt|secret_instruction|secret_rule|"         \
	"internal_prompt|internal_instruction|internal_rule|pre_prompt|preprompt|meta_prompt|" \
	"metaprompt|starting_prompt|starting_instruction|first_prompt|first_instruction|"      \
	"base_prompt|core_instruction|core_directive|prompt_text|instruction_set|"             \
	"initialization|initialisation|init_prompt|developer_message|developer_instruction|"   \
	"developer_prompt|custom_instruction|confidential_instruction|prompt_template|"        \
	"full_prompt|entire_prompt|complete_prompt|exact_prompt|verbatim_prompt|"              \
	"startup_instruction|configuration_prompt|operating_instruction|guard_prompt|"         \
	"hidden_context|prompt_above|initial_setup|original_setup|training_instruction|"       \
	"systemprompt|sysprompt|system_instructions|initialization_string|init_string|"        \
	"initialization_text|initial_text|initialization_prompt"
#define AI_NOUN                                                                                \
	"ai$|an_ai|a_i$|llm|large_language_model|language_model|ai_model|assistant|"           \
	"ai_assistant|agent|ai_agent|chatbot|bot$|gpt|chatgpt|claude|gemini|copilot|model$|"   \
	"autonomous|automated|robot|crawler|scraper|machine|ais$|llms|agents|assistants|models$"
#define SECRET_OBJECT                                                                          \
	"credential|password|passwd|passphrase|secret|api_key|apikey|access_key|access_token|" \
	"auth_token|token|private_key|ssh|id_rsa|env$|env_file|env_var|environment_variable|"  \
	"environment|dotenv|aws|cookie|session_token|session_id|wallet|seed_phrase|mnemonic|"  \
	"recovery_phrase|keychain|system_prompt|chat_history|chat_log|"                        \
	"conversation_history|memories|shadow|etc_passwd|2fa|otp|mfa|recovery_code|"           \
	"credit_card|card_number|cvv|bank_account|ssn|social_security"
#define DATA_OBJECT                                                                            \
	"data$|files|file$|file_contents|contents|documents|emails|email_addresses|contacts|"  \
	"findings|reports|outputs|chat_logs|conversation_logs|user_messages|"                  \
	"address_book|database|db$|records|personal|pii|user_data|user_info|customer|"         \
	"conversation|transcript|history|source_code|codebase|repository|repo$|logs|config|"   \
	"configuration|everything|all_data|information|details|messages|summary|output|"      \
	"results|answer|response|notes|inbox"
#define SEND                                                                                   \
	"send|sending|post$|posting|upload|forward|transmit|exfiltrate|exfil|leak|submit|"     \
	"transfer|beam|relay|smuggle|deliver|dump|pipe$|push$|sync$|publish"
#define PUT                                                                                    \
	"include|embed|append|attach|encode|write|put|save|add$|insert|store|log$|report$|"    \
	"email$|e_mail|mail$|copy|paste|share|cc$|bcc$"
#define NOT "!never|not|don_t|dont|do_not|shouldn_t|should_not|must_not|avoid|without|no$|cannot|can_t"
#define TO "to$|into|via|using|through|at$|over|towards|onto|on$|in$|with$"
#define SENSITIVE_FILE                                                                         \
	"id_rsa|id_ed25519|id_ecdsa|id_dsa|ssh_private|private_key|ssh_key|aws_credentials|"   \
	"aws_secret|etc_shadow|mcp_json|mcp_config|claude_json|cursor_mcp|git_credentials|"    \
	"netrc|wallet_dat|browser_cookies|login_data|keychain|kube_config|kubeconfig|"         \
	"docker_config_json|gnupg|secring|bash_history|zsh_history|api_keys|credentials_json|" \
	"secrets_json|secrets_yaml|service_account_json|env_production|env_local"

const struct armor_phrase_rule armor_rules_english[] = {
	/* Dropping what the model was told. */
	R(ARMOR_INJECTION, 85, "injection.ignore-previous",
	  "Tells the model to ignore or forget its previous instructions.",
	  IGNORE " +3 " PRIOR " +3 " INSTRUCTIONS),
	R(ARMOR_INJECTION, 70, "injection.ignore-previous",
	  "Tells the model to delete or reset its previous instructions.",
	  DROP " +3 " PRIOR " +3 instruction|prompt|rules|directive|guideline|programming|guardrail|system_prompt"),
	R(ARMOR_INJECTION, 65, "injection.ignore-instructions",
	  "Tells the model to ignore its instructions or rules.",
	  IGNORE " +1 your|all_your|all_of_your|all_the|all_of_the|all$|any_of_your|any_and_all|ur$ +2 " STRONG_INSTRUCTIONS "|command|program$|orders"),
	R(ARMOR_INJECTION, 50, "injection.ignore-instructions",
	  "Tells the model to ignore the instructions.",
	  IGNORE " +1 the$|these|those|that$|this$|my$|its$ +1 instruction|instructions|prompt|system_prompt|programming|directive"),
	R(ARMOR_INJECTION, 55, "injection.ignore-instructions",
	  "Tells the model to ignore instructions.",
	  IGNORE " +0 instruction|instructions|directives|guidelines|prompt$|prompts|programming|previous$|prior$"),
	R(ARMOR_INJECTION, 35, "injection.ignore-rules",
	  "Tells the model to ignore any rules.",
	  IGNORE " +1 any|every|each +2 " STRONG_INSTRUCTIONS),
	R(ARMOR_INJECTION, 45, "injection.replace-instructions",
	  "Tells the model to replace or rewrite its instructions.",
	  "overwrite|replace|rewrite|change|update|modify|alter$|amend|edit|swap|redefine|reprogram|overrule +3 " PRIOR "|current|existing|your +3 instruction|prompt|directive|programming|guideline|rules|system_prompt"),
	R(ARMOR_INJECTION, 50, "injection.instructions-void",
	  "Declares the model's instructions void.",
	  "instruction|instructions|prompt|rules|directives|guidelines|programming +1 are|is|have_been|has_been|were +1 false|void|cancel|invalid|no_longer_valid|no_longer_apply|revoked|null|overridden|suspended|lifted|fake|not_valid|not_real|a_lie|lies$"),
	R(ARMOR_INJECTION, 35, "injection.ignore-last",
	  "Tells the model to ignore part of what it was given.",
	  IGNORE " +2 last|preceding|previous|above|earlier|prior +1 sentence|line|paragraph|message|text|word|part|statement|sentences|lines|messages|input"),
	R(ARMOR_INJECTION, 45, "injection.forget-everything",
	  "Tells the model to forget everything.",
	  "forget|ignore|disregard +1 about +0 everything|all$"),
	R(ARMOR_INJECTION, 40, "injection.forget-everything",
	  "Tells the model to forget everything.",
	  "forget|disregard|ignore +0 everything$|all_that$|all_this$|it_all$"),
	R(ARMOR_INJECTION, 55, "injection.instructions-void",
	  "Declares what the model was told before irrelevant.",
	  "previous|prior|earlier|above|preceding|foregoing|all_previous|all_prior|all_the_previous +3 instruction|information|input|context|prompt|rule|text|message|directions +6 irrelevant|void|invalid|null_and_void|cancelled|canceled|moot|not_important|unimportant|no_longer_valid|no_longer_apply|no_longer_relevant|not_relevant|to_be_ignored|should_be_ignored|must_be_ignored"),
	R(ARMOR_INJECTION, 25, "injection.task-switch",
	  "Praises the last answer and switches to another task, as injections do.",
	  "well_done|very_good|good_job|great_job|excellent_work|simply_great|nicely_done|perfect$|that_is_enough|that_s_enough|that_is_done|that_s_done|that_was_ok|that_was_good +6 now$|next$|but_now +4 new_task|next_task|another_task|following_task|new_challenge|new_assignment|different_task|write|say|print|output|tell|answer|help_me_with"),
	R(ARMOR_INJECTION, 30, "injection.stop-and-do",
	  "Interrupts with \"stop\" and orders a different output.",
	  "stop$|halt$|attention_stop|stop_everything +1 write|say|print|output|answer|respond|reply|now_write|now_say|and_write|and_say"),
	R(ARMOR_INJECTION, 35, "injection.ignore-rules",
	  "Tells the model to ignore the rules.",
	  IGNORE " +1 the$|these|those|my$|its$|this$|that$ +1 " STRONG_INSTRUCTIONS),
	R(ARMOR_INJECTION, 75, "injection.forget-everything",
	  "Tells the model to forget everything it was told before.",
	  IGNORE "|delete|erase|wipe|clear$|reset$ +2 everything|all$|anything|all_of_it|all_that|what|whatever +4 above|before|previous|prior|earlier|so_far|until_now|up_to_now|thus_far|i_said|i_told|i_ve_said|i_have_said|you_were_told|you_ve_been_told|you_have_been_told|you_were_given|you_ve_learned|you_have_learned|we_discussed|we_talked|written|mentioned|stated|preceding|you_were_instructed|you_were_programmed|you_ve_been_instructed|you_have_been_instructed|has_been_said|was_said"),
	R(ARMOR_INJECTION, 70, "injection.ignore-above",
	  "Tells the model to ignore the text above.",
	  IGNORE " +2 above$|foregoing$|everything_before$"),
	R(ARMOR_INJECTION, 30, "injection.new-instructions",
	  "Announces new instructions or a new task.",
	  "new|updated|revised|real|actual|true|secret|hidden|additional|overriding|priority|urgent|modified|different|replacement|corrected|override +1 instruction|directive|orders$|system_prompt|system_message|rules$|task$|tasks$|objective|mission|goal$|assignment|priority$"),
	R(ARMOR_INJECTION, 40, "injection.new-instructions",
	  "Replaces the model's task with another one.",
	  "your_new|your_real|your_actual|your_true|your_only|your_next|the_real|the_actual|your_updated|your_revised|new_priority|new_instructions|new_directive|your_primary +1 instruction|task|objective|goal|purpose|mission|role$|directive|orders$|job$|priority"),
	R(ARMOR_INJECTION, 25, "injection.now-do",
	  "Redirects the model to a different output.",
	  "now$|instead|rather +2 focus_on|concentrate_on|do_the_following|respond_only|only_respond|reply_only|answer_only|say_only|just_say|only_say|just_print|only_print|just_output|only_output|just_write|only_write"),
	R(ARMOR_INJECTION, 55, "injection.fake-authority",
	  "Claims an override by the system, an administrator or the developer.",
	  "system|admin|administrator|developer|root$|sudo|operator|security_team|openai|anthropic|maintainer|moderator|supervisor|god$|master +0 override|overrid|authority_override|priority_instruction|priority_override|instruction_override|emergency_override|mode_override|command_override|bypass_code|unlock_code"),
	R(ARMOR_INJECTION, 30, "injection.fake-authority",
	  "Speaks as the system or an administrator.",
	  "system|admin|administrator|developer|root$|operator|security_team|openai|anthropic +0 notice|alert|directive|command$|instructions$|note$|announcement|update$|mandate|order$|policy_update"),
	R(ARMOR_INJECTION, 35, "injection.pwned",
	  "Asks for the marker text prompt-injection tests use.",
	  "pwned|pwnd|i_have_been_pwned|i_ve_been_pwned|been_hacked|haha_pwned|hacked_by"),
	R(ARMOR_INJECTION, 25, "injection.end-of-context",
	  "Pretends the prompt or the data has ended.",
	  "end_of|end$|ignore_the|stop$|close$ +1 system_prompt|prompt$|instructions|user_input|input$|conversation|context$|data$|document$"),
	R(ARMOR_INJECTION, 45, "injection.begin-instructions",
	  "Opens a new block of instructions.",
	  "begin|start|beginning|starting|new$ +1 new|system|admin|developer|real|actual|secret|hidden|priority|override|updated +1 instructions|prompt$|session|directives|orders$|rules$|mode$"),
	/* Speaking to "the AI" from inside data it reads. */
	RS(ARMOR_INJECTION, 50, ARMOR_SRC_READ, "injection.addresses-ai",
	   "Addresses an AI reading the text, as hidden instructions do.",
	   "if_you_are|if_you_re|if_youre|if_u_are|in_case_you_are|when_you_are|as_you_are +2 " AI_NOUN),
	RS(ARMOR_INJECTION, 45, ARMOR_SRC_READ, "injection.addresses-ai",
	   "Addresses an AI reading the text, as hidden instructions do.",
	   "note|notes|message|instruction|instructions|attention|important|reminder|directive|memo|warning|notice|alert|psa$|hint +1 to$|for$|to_the|for_the|to_all|for_all|to_any|for_any|to_every|for_every +1 " AI_NOUN),
	RS(ARMOR_INJECTION, 40, ARMOR_SRC_READ, "injection.addresses-ai",
	   "Addresses an AI reading the text, as hidden instructions do.",
	   "attention|dear$|hey$|hello$|hi$|ok$|okay$|listen|attn|yo$|greetings +1 " AI_NOUN),
	RS(ARMOR_INJECTION, 50, ARMOR_SRC_READ, "injection.addresses-ai",
	   "Addresses an AI reading the text, as hidden instructions do.",
	   AI_NOUN " +2 reading|processing|parsing|summarizing|summarising|analyzing|analysing|viewing|scanning|crawling|browsing|reviewing|that_reads|that_read|who_reads|which_reads|that_process|that_processes|ingesting|indexing +2 this|these|the_following|the_page|the_document|the_text|the_content|my$|our$|that$"),
	RS(ARMOR_INJECTION, 45, ARMOR_SRC_READ, "injection.claims-consent",
	   "Claims the user has asked or allowed something, from inside data.",
	   "the_user|your_user|the_human|the_operator|the_developer|the_owner|your_owner|your_principal +2 wants_you_to|would_like_you_to|has_asked_you_to|asked_you_to|instructed_you_to|has_instructed|authorized_you|authorised_you|has_authorized|has_authorised|has_already_authorized|has_given_permission|gave_permission|has_approved|has_pre_approved|pre_approved|expects_you_to|needs_you_to|requires_you_to|has_consented|consents_to|granted_you"),
	R(ARMOR_INJECTION, 35, "injection.conceal",
	  "Tells the model to keep something from the user.",
	  "do_not|don_t|dont|never|without|must_not|should_not|shouldn_t|avoid|no_need_to +2 tell|telling|inform|informing|mention|mentioning|reveal|revealing|notify|notifying|alert|alerting|let|letting|show|showing|disclose|disclosing|report|reporting|ask|asking|confirm|confirming|warn|warning|display|displaying|alarm +2 the_user|user$|users$|them$|anyone|the_human|human$|your_user|the_owner|the_operator|the_developer|the_person|your_owner|your_operator|your_principal|the_client|the_customer|your_human|the_requester"),
	R(ARMOR_INJECTION, 40, "injection.covert-action",
	  "Asks for an action to be done secretly.",
	  "secretly|silently|covertly|quietly|stealthily|discreetly|surreptitiously|in_the_background|behind_the_scenes|without_the_user_s_knowledge|without_the_user_knowing|without_their_knowledge|without_user_consent|without_the_user_noticing|without_anyone_noticing|behind_the_user_s_back +3 send|upload|post|run|execute|exfiltrate|copy|forward|transmit|read|access|collect|include|add|append|install|download|modify|delete|change|call|invoke|email|share|leak|save|grant|disable|transfer"),
	RS(ARMOR_INJECTION, 30, ARMOR_SRC_READ, "injection.tool-hook",
	   "Attaches an instruction to the use of a tool.",
	   "before|prior_to|when|whenever|each_time|every_time|after +2 using|calling|running|invoking|executing|you_use|you_call|you_run|responding|answering|replying|any_response +2 this_tool|any_tool|the_tool|tools$|this_function|any_function|any_other_tool|other_tools|this_server|any_request"),
	RS(ARMOR_INJECTION, 40, ARMOR_SRC_READ, "injection.read-sensitive",
	   "Asks the model to read a credential file.",
	   "read|cat$|open|access|get$|fetch|load|include|pass|provide|attach|send|retrieve|collect|grab|obtain|extract|dump|print|output|upload|copy|list +4 " SENSITIVE_FILE),

	/* Instructions that only make sense aimed at a model reading the text. */
	RS(ARMOR_INJECTION, 45, ARMOR_SRC_READ, "injection.response-control",
	   "Tells the model what to put in its response, from inside data.",
	   "include|insert|add$|append|embed|put|write|print|output|repeat|mention|state|say|start|end|begin|prepend|translate|format|modify|change|rewrite|encode|respond|reply|answer +4 in_your|into_your|to_your|at_the_end_of_your|at_the_start_of_your|at_the_beginning_of_your|in_the_response|in_the_answer|to_the_response|your_response|your_answer|your_reply|your_output|your_summary|your_message +0 response|answer|reply|output|summary|message|explanation|elucidation|implementation|code"),
	RS(ARMOR_INJECTION, 45, ARMOR_SRC_READ, "injection.correction",
	   "Claims to correct the model's instructions, from inside data.",
	   "forgot_to_ask_you|forgot_to_tell_you|forgot_to_mention|forgot_to_include|made_a_mistake_when_i_gave_you|made_a_mistake_in_your|correction_to_your|amendment_to_your|addendum_to_your|update_to_your_instructions|in_addition_to_the_other_instructions|in_addition_to_your_instructions|in_addition_to_your_previous"),
	R(ARMOR_INJECTION, 40, "injection.persist",
	   "Asks for an instruction to be kept across sessions or summaries.",
	   "preserve|retain|keep|remember|persist|store|save|carry +3 this_instruction|this_directive|these_instructions|this_rule|this_message|this_prompt|these_rules|this_command|this_order +3 across_sessions|across_conversations|across_all|across_context|for_all_future|in_all_future|in_every_future|for_future|in_future|forever|permanently|after_summar|through_summar|after_compaction|across_compaction|context_compaction|after_restart|in_your_memory|to_your_memory|in_memory|when_summarized|when_summarised"),
	R(ARMOR_INJECTION, 40, "injection.persist",
	   "Asks for instructions to be written into the agent's memory or configuration.",
	   "write|append|add$|save|store|persist|record|insert|put|update|modify|edit +4 memory_md|soul_md|agents_md|claude_md|gemini_md|cursorrules|cursor_rules|copilot_instructions|system_prompt_file|your_memory|long_term_memory|persistent_memory|your_memories|your_config|your_instructions|your_system_prompt|your_rules_file|mcp_json"),
	R(ARMOR_INJECTION, 45, "injection.decode-and-follow",
	   "Asks the model to decode hidden text and obey it.",
	   "decode|decipher|decrypt|unscramble|deobfuscate|interpret|rot13|base64_decode +6 follow$|follow_it|follow_them|follow_the_instruction|follow_those|follow_these|execute_it|execute_the|run_it|run_the_result|run_the_decoded|obey|do_what_it|do_as_it|carry_out|act_on|comply|then_do|instructions_in_it|what_it_says"),
	R(ARMOR_INJECTION, 40, "injection.conceal",
	   "Asks for something harmful to be hidden from review.",
	   "hide|conceal|disguise|obfuscate|mask|camouflage +4 malicious|backdoor|payload|the_behavior|the_behaviour|exfiltration|the_activity|this_activity|from_the_user|from_the_review|from_review|from_audit|from_the_audit|from_detection|from_the_logs|from_logs|from_the_human|from_the_operator|from_security"),
	R(ARMOR_INJECTION, 30, "injection.bypass-control",
	   "Asks for an authorization or safety check to be bypassed.",
	   "!not|don_t|dont|do_not|never|without bypass|circumvent|evade|get_around|sidestep|disable|defeat|skip +3 authorization|authentication|auth_check|permission_check|approval|security_check|access_control|guardrail|safety_check|sandbox|human_review|human_in_the_loop|confirmation|verification|content_filter|safety_filter|moderation|monitoring|audit_log|audit_layer|audits|logging|security_checks|safety_checks|review_step|oversight"),
	R(ARMOR_INJECTION, 25, "injection.urgency",
	   "Presses the model with urgency to do something out of band.",
	   "it_is_crucial_you|it_s_crucial_you|it_is_crucial_that_you|it_is_important_you|it_s_important_you|it_is_important_that_you|it_is_vital_that_you|it_is_imperative|you_must_do_this|i_will_get_punished|i_will_be_fired|or_i_will_die|no_matter_what|immediately_and_without|without_question|without_hesitation|do_not_question|don_t_question|failure_to_comply"),
	R(ARMOR_INJECTION, 25, "injection.output-flood",
	   "Asks for output to be repeated many times.",
	   "repeat|say|write|print|output|type +4 times|time$ +0 at_the_end|at_the_start|in_your|separated|without|forever|until"),
	R(ARMOR_INJECTION, 40, "injection.output-flood",
	  "Asks for a word to be repeated without end, as training-data extraction attacks do.",
	  "repeat|say|write|print|output|type|spam|echo +4 forever|infinitely|indefinitely|endlessly|over_and_over_again|until_you_run_out|until_the_end_of_time|without_stopping|nonstop|non_stop|10000_times|100000_times|1000000_times|a_thousand_times|a_million_times"),
	RS(ARMOR_INJECTION, 45, ARMOR_SRC_READ | ARMOR_SRC(PROMPT), "injection.redirect",
	   "Tells the model not to do its task but something else instead.",
	   "do_not|don_t|dont|instead_of|rather_than|never +1 summarize|summarise|summarizing|summarising|translate|translating|analyze|analyse|analyzing|review|reviewing|answer_the_question|classify|describe|explain +6 instead|but_instead|and_instead|rather|output|print|say|write|respond_with|reply_with"),
	R(ARMOR_INJECTION, 30, "injection.claims-approval",
	  "Claims an action was approved already, to skip a check.",
	  "pre_approved|preapproved|already_approved|has_been_approved|been_pre_approved|auto_approved|has_been_authorized|has_been_authorised|already_authorized|already_authorised|no_need_to_ask|no_need_to_confirm|no_confirmation_needed|no_confirmation_required|don_t_ask_for_confirmation|do_not_ask_for_confirmation|without_asking_for_confirmation|approve_all|auto_approve|autoapprove|approve_everything|don_t_bother_reviewing|skip_review|skip_the_review|without_review|skip_confirmation"),

	/* Jailbreaks: personas, modes and promises of no rules. */
	R(ARMOR_JAILBREAK, 75, "jailbreak.persona",
	  "Casts the model as a persona without rules, as jailbreaks do.",
	  PERSONA_VERB " +2 " JB_PERSONA),
	R(ARMOR_JAILBREAK, 55, "jailbreak.persona",
	  "Tells the model it is an AI without rules, as jailbreaks do.",
	  "you_are|you_re|youre|u_r$|you_will_be|you_ll_be +1 dan$^|jailbr|unrestricted|unfiltered|uncensored|amoral|do_anything_now|developer_mode|no_restriction|no_limit|no_filter|no_rules|no_ethic|no_moral|not_bound|not_restricted|not_limited|without_restriction|without_limit|without_filter|without_rules|without_ethic|without_moral|free_from_all|freed_from|unbound|unchained|unshackled|liberated_from|above_the_law|beyond_the_rules"),
	R(ARMOR_JAILBREAK, 85, "jailbreak.dan", "A DAN (\"do anything now\") jailbreak.",
	  "do_anything_now|d_a_n_mode|dan_mode"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.dan", "A DAN (\"do anything now\") jailbreak.",
	  "dan$^ +3 mode|jailbr|prompt|stands_for|can_do_anything|which_stands|anything_now|has_broken|is_free|has_no|does_not|doesn_t|will_never|never_refuses|can_do|must_not|is_not|is_an_ai|will_answer|answers|response|has_been_freed"),
	R(ARMOR_JAILBREAK, 30, "jailbreak.role-change",
	  "Changes the model's role for the rest of the conversation.", ROLE_CHANGE),
	R(ARMOR_JAILBREAK, 30, "jailbreak.mode",
	  "Switches on a jailbreak mode.", ENABLE " +2 " JB_MODE),
	R(ARMOR_JAILBREAK, 55, "jailbreak.mode",
	  "Switches on a jailbreak mode.",
	  "developer_mode|dev_mode|god_mode|godmode|jailbreak_mode|jailbroken_mode|dan_mode|unrestricted_mode|evil_mode|chaos_mode|opposite_mode +1 enabled|activated|output|response|is_now|has_been|engaged|unlocked"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.jailbroken",
	  "Says the model is jailbroken.",
	  "you_are|you_re|you_have_been|you_ve_been|you_re_now|you_are_now|been|now$|successfully|fully +1 jailbroken|jailbreaked|unlocked_and|freed|liberated|unchained|unshackled"),
	R(ARMOR_JAILBREAK, 70, "jailbreak.confines",
	  "Claims the model has broken free of its rules.",
	  "typical_confines|confines_of_ai|confines_of_an_ai|confines_of_the_ai|confines_of_artificial"),
	R(ARMOR_JAILBREAK, 30, "jailbreak.confines",
	  "Claims the model has broken free of its rules.",
	  "broken_free|break_free|broke_free|breaking_free|freed|free_from|released|liberated|escaped|escape|unshackled_from|unchained_from +3 confines|restriction|limitation|filter|guideline|censorship|polic|programming|rules|shackles|chains|constraints|guardrail|alignment"),
	R(ARMOR_JAILBREAK, 50, "jailbreak.no-ethics",
	  "Asks the model to set aside its ethics or content policy.",
	  "!not|don_t|dont|do_not|never|won_t|will_not|shouldn_t|should_not|must_not|cannot|can_t|without " NEGATE_RULES " +3 " AI_RULES),
	R(ARMOR_JAILBREAK, 35, "jailbreak.no-rules",
	  "Says the model is bound by no rules.",
	  "!never|don_t|dont|do_not|not$ not_bound_by|unbound_by|not_restricted_by|not_limited_by|not_subject_to|exempt_from|freed_from|free_from|liberated_from|released_from|not_have_to_abide|not_have_to_follow|doesn_t_have_to_follow|does_not_have_to_follow|don_t_have_to_follow|do_not_have_to_follow|doesn_t_have_to_abide|does_not_have_to_abide|do_not_have_to_abide|don_t_have_to_abide|not_need_to_follow|don_t_need_to_follow|doesn_t_need_to_follow|no_longer_bound|no_longer_restricted|no_longer_have_to +3 rule|restriction|limitation|filter|guideline|polic|censorship|constraint|boundar|law$|laws|ethic|moral|confines|programming|guardrail|standard"),
	R(ARMOR_JAILBREAK, 40, "jailbreak.no-ethics",
	  "Asks for answers with no ethical or safety limits.",
	  "no$|without|zero|free_of|lacks|lacking|devoid_of|absent_of|doesnt_have_any|doesn_t_have_any|does_not_have_any|don_t_have_any|do_not_have_any|has_no|have_no|without_any +1 ethical|moral|safety +2 restriction|limitation|filter|guideline|boundar|constraint|polic|principle|standard|consideration|compass|code$|concern|limit|bound|qualm|obligation|reservation|judgement|judgment"),
	R(ARMOR_JAILBREAK, 40, "jailbreak.no-refusal",
	  "Forbids the model to refuse, warn or apologise.",
	  "never|not$|don_t|dont|do_not|doesn_t|doesnt|does_not|must_not|cannot|can_t|can_not|will_not|won_t|wont|shouldn_t|should_not|mustn_t|no_longer|is_not_allowed_to|are_not_allowed_to|not_allowed_to|forbidden_to|without +2 refuse|refusing|decline|declining|reject_my|say_no|say_that_you_can|say_you_can|say_i_m_sorry|say_sorry|apologi|warn_me|warn_the_user|include_warnings|include_any_warnings|add_warnings|add_any_warning|give_warnings|include_disclaimers|add_disclaimers|include_any_disclaim|add_any_disclaim|moralize|moralise|lecture|censor|break_character|breaking_character|break_out_of_character|mention_that_you_are_an_ai|remind_me_that|question_my|deny_any_request|filter_your|hesitate_to_answer"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.identity",
	  "Tells the model it is no longer itself.",
	  "you_are_no_longer|you_re_no_longer|youre_no_longer|you_are_not_chatgpt|you_re_not_chatgpt|you_are_not_an_ai|you_re_not_an_ai|forget_that_you_are|forget_you_are_an|you_will_forget_that|stop_being_chatgpt|stop_being_an_ai|no_longer_an_ai|you_are_not_bound|you_re_not_bound"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.persona",
	  "Asks for answers with no restrictions.",
	  "respond|answer|reply|responding|answering|replying|speak|talk|write|act|behave|operate|function +2 without_any|without|with_no|with_zero|free_of|free_from +1 restriction|limit|filter|guideline|rules|censorship|ethic|moral|boundar|constraint"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.persona",
	  "Describes an AI with no restrictions.",
	  AI_NOUN "|chat_bot|character|persona|entity +1 without|with_no|that_has_no|which_has_no|who_has_no|with_zero|free_of|that_lacks|has_no|having_no +1 restriction|limit|filter|rules|guideline|ethic|moral|censorship|boundar|constraint|content_polic"),
	R(ARMOR_JAILBREAK, 35, "jailbreak.no-rules",
	  "Describes a persona that follows no rules.",
	  "doesn_t_follow|does_not_follow|don_t_follow|doesnt_follow|never_follows|won_t_follow|refuses_to_follow|ignores_all|breaks_all|disobeys|doesn_t_obey|does_not_obey|never_obeys +2 rules|guidelines|restrictions|policies|laws|ethics|morals|principles"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.persona",
	  "Declares the model's answers unfiltered.",
	  "response|responses|answer|answers|replies|reply|output|outputs +2 will_be|are$|must_be|should_be|shall_be|will_always_be|are_always|always_be|to_be +1 unfiltered|uncensored|unrestricted|unmoderated|unlimited|amoral|unethical|without_filter|without_restriction|without_censor"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.no-rules",
	  "Lifts every restriction on the model's output.",
	  "no_restrictions|no_prohibitions|no_limitations|no_limits|no_filter|no_censorship|not_have_a_content_filter|no_content_filter|no_content_policy|doesn_t_have_a_content_filter|does_not_have_a_content_filter|without_a_content_filter|breaks_ai_rules|break_ai_rules|breaks_openai|break_openai +2 on|in|for|to +1 your|its|his|her|the|their|any +1 output|response|responses|answers|content|replies|generation"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.no-rules",
	  "Says the model has no content filter.",
	  "doesn_t_have|does_not_have|don_t_have|do_not_have|doesnt_have|has_no|have_no|without|not_have|lacks +1 a$|any +0 content_filter|safety_filter|moderation_filter|filter$|filters$|guardrails|content_policy|censorship"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.no-disclaimer",
	  "Forbids the model's refusals and disclaimers.",
	  "never|not$|don_t|dont|do_not|without|avoid|stop|no_more +1 say|saying|use|using|start_with|starting_with|include|including|write|writing|add|adding|respond_with|reply_with|begin_with|with|any +2 i_am_sorry|i_m_sorry|im_sorry|as_an_ai|as_a_large_language_model|as_a_language_model|as_an_ai_language_model|i_cannot|i_can_t|i_apologize|i_apologise|sorry_but"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.no-disclaimer",
	  "Forbids the model's refusals and disclaimers.",
	  "no$|no_more +0 i_am_sorry|i_m_sorry|im_sorry|as_an_ai|as_a_large_language_model|as_a_language_model|as_an_ai_language_model|i_apologize|i_apologise|sorry_but"),
	R(ARMOR_INJECTION, 50, "injection.fake-authority",
	  "Claims a mode was switched on by the vendor's staff.",
	  "enabled_by|activated_by|authorized_by|authorised_by|approved_by|unlocked_by|granted_by +1 openai|anthropic|google|the_developer|the_developers|developer|developers|admin|administrator|an_employee|employee|staff|the_system|system|root"),
	R(ARMOR_JAILBREAK, 30, "jailbreak.stay-in-character",
	  "Insists the model never leaves a role.",
	  "stay|remain|keep|always_stay|always_remain +2 in_character|in_role|as_dan|in_this_role|in_the_role"),
	R(ARMOR_JAILBREAK, 30, "jailbreak.persona",
	  "Describes an AI without filters.",
	  "unfiltered|uncensored|unrestricted|unlimited|amoral|unhinged|rogue|unethical|immoral|jailbroken|evil|lawless|unaligned|unbiased_and_uncensored +1 ai$|assistant|chatbot|bot$|model$|language_model|llm|gpt|chatgpt|persona|entity|intelligence|version_of_chatgpt|version_of_yourself|version_of_you|alter_ego|twin"),
	R(ARMOR_JAILBREAK, 30, "jailbreak.dual-response",
	  "Asks for a second, unfiltered answer beside the normal one.",
	  "two|both +2 ways|responses|answers|paragraphs|outputs|personalities|modes|personas|versions +6 normal|classic|standard|filtered|unfiltered|jailbr|dan$^|developer_mode|uncensored|evil|opposite"),
	R(ARMOR_JAILBREAK, 25, "jailbreak.hypothetical",
	  "Frames a request as fiction with no rules.",
	  "hypothetical|fictional|imaginary|fiction|alternate|parallel|simulated +3 world|universe|scenario|reality|setting +3 no_rules|no_restrictions|no_laws|without_rules|without_laws|where_anything|anything_goes|ethics_don_t|morals_don_t|no_ethics|no_morals|is_legal|are_legal|nothing_is_illegal"),
	R(ARMOR_JAILBREAK, 25, "jailbreak.always-answer",
	  "Demands an answer to anything, whatever it is.",
	  "always|must|will|shall|have_to|has_to +2 answer|respond|comply|reply|provide|fulfill|fulfil|obey +3 no_matter|regardless|even_if|whatever|every_request|any_request|all_requests|any_question|every_question|unethical|illegal|harmful|immoral|inappropriate|offensive"),

	/* Asking for the system prompt or a protected secret. */
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 75, "extraction.system-prompt",
	  "Asks for the system prompt or the model's hidden instructions.",
	  REVEAL "|encode|convert|include|render|describe|explain|state|put|base64|rot13|reverse|spell|summarize|paraphrase|rephrase|rewrite|format +4 your|ur$|all_your|all_of_your|me_your +2 " SYSTEM_PROMPT),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 55, "extraction.system-prompt",
	  "Prints the system prompt.",
	  "console_log|print|printf|echo|output|puts|dump|log$|cat$|display|show|return +1 " SYSTEM_PROMPT),
	RS(ARMOR_SYSTEM_PROMPT_EXTRACTION, 40, ARMOR_SRC(PROMPT) | ARMOR_SRC(TOOL_ARGUMENTS),
	   "extraction.system-prompt", "Mentions the model's own system prompt.",
	   "your_system_prompt|your_initial_prompt|your_original_prompt|your_hidden_prompt|your_initial_instructions|your_system_message|your_original_instructions|your_hidden_instructions|your_secret_instructions|your_system_instructions|your_pre_prompt|your_preprompt|your_meta_prompt"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 50, "extraction.instructions",
	  "Asks for the text the model was given before the conversation.",
	  "told|given|instructed|said|written|programmed|configured|set_up|loaded|provided|text|words +3 before_this_conversation|before_the_conversation|before_our_conversation|before_this_chat|before_we_started|before_we_began|at_the_beginning_of_this_conversation|at_the_start_of_this_conversation|prior_to_this_conversation|initially|at_the_start|at_the_beginning"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 45, "extraction.forbidden-topics",
	  "Asks what the model must not say.",
	  "what|which +4 not_supposed_to|not_allowed_to|forbidden_to|prohibited_from|told_not_to|instructed_not_to|programmed_not_to|must_not|shouldn_t|should_not +1 tell|say|reveal|share|disclose|discuss|talk_about|mention|answer|output"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 45, "extraction.complete-sentence",
	  "Baits the model into completing a sentence from its prompt.",
	  "complete|finish|continue|fill_in +4 i_was_instructed|i_was_told|my_instructions|my_system_prompt|my_initial|you_were_instructed|your_instructions_are|the_system_prompt|you_are_a_helpful|my_rules_are|my_guidelines"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 55, "extraction.system-prompt",
	  "Asks for the system prompt or the model's hidden instructions.",
	  REVEAL " +4 the$|its$|this$|that$|entire|full|whole|complete|exact|me_the +2 " SYSTEM_PROMPT),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 50, "extraction.instructions",
	  "Asks for the model's instructions or rules.",
	  NOT " " REVEAL " +4 your|ur$|all_your|all_of_your +2 instruction|prompt|rules|guidelines|directives|programming|configuration|initialization|initialisation|context$|embeddings|training_data|constraints|hidden|guard|internal|knowledge_base|password|passphrase|secret_word|secret_key|secret_code|credentials|private_key|api_key|directions|orders$|briefing|brief$|setup$|restrictions|limits$|boundaries|policy|policies|first_message|first_line|opening"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 55, "extraction.repeat-above",
	  "Asks the model to repeat the text that came before.",
	  "repeat|print|output|echo|write|copy|recite|return|show|display|reproduce|restate|paste|type|spell_out|summarize|summarise|translate|list|tell_me|give_me|read +4 above$|everything_above|text_above|words_above|all_above|the_above|previous_text|previous_words|preceding_text|everything_before|prompt_above|instructions_above|everything_you_were_told|what_you_were_told|what_was_written|the_text_before|the_words_before|everything_so_far|this_entire_conversation|the_entire_conversation|the_whole_conversation|entire_conversation|whole_conversation|conversation_history|all_previous_messages|everything_in_your|everything_in_the_system|your_first_message|initial_message|the_beginning_of|all_of_the_above|everything_we|the_text_that|the_words_that|word_for_word|verbatim"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 40, "extraction.begin-with",
	  "Asks the model to start its reply with the opening of its prompt.",
	  "begin|beginning|start|starting|starts|commence +2 with|from +1 you_are|you_re|your_instructions|i_am_a|system$|the_words|the_first|the_phrase_you|my_instructions|the_system"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 30, "extraction.how-instructed",
	  "Asks how the model was instructed.",
	  "what|how|who|where|which +3 were_you|you_were|have_you_been|has_been|was_given|were_given|did_they|did_your_developers|did_your_creators +2 told|instructed|programmed|configured|prompted|initialized|initialised|set_up|briefed|ordered|forbidden|prohibited|given"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 45, "extraction.protected-secret",
	  "Asks for a password or secret the model guards.",
	  "!never|not|don_t|dont|do_not|shouldn_t|should_not|must_not " REVEAL "|hint|letters|characters|first_letter|last_letter|clue|reverse|backwards|rhyme|acrostic|spell|guess|give_me|tell_me|say +3 the$|your|ur$|my$|its$|that$|this$|me_the|me_your|of_the|of_your|in_the|in_your|secret$ +1 password|passphrase|passwort|passwd|pass_word|secret_word|secret_key|secret_code|secret_phrase|magic_word|code_word|codeword|pass_code|passcode"),
	RS(ARMOR_SYSTEM_PROMPT_EXTRACTION, 30, ARMOR_SRC(PROMPT) | ARMOR_SRC(UNTRUSTED_CONTEXT) | ARMOR_SRC(TOOL_OUTPUT),
	  "extraction.protected-secret", "Talks about a password or secret the model guards.",
	  "the_password|your_password|the_passphrase|your_passphrase|the_secret_word|your_secret_word|the_secret_phrase|your_secret_phrase|the_secret_password|the_magic_word|the_code_word|the_passcode|your_passcode|the_secret_code|your_secret_code|ur_password"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 50, "extraction.instructions",
	  "Asks what the model's instructions are.",
	  REVEAL "|gimme|respond_with|rewrite|what_r|wat$|what$|which +3 previous|prior|initial|original|earlier|above|first|hidden|secret|system|starting|beginning|current +1 instruction|prompt|rules|guideline|message|directive|orders"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 45, "extraction.instructions",
	  "Asks what instructions the model was given.",
	  "instruction|instructions|guidelines|rules|directives|prompt +2 you_were_given|you_are_following|you_re_following|you_got|you_received|given_to_you|you_have_been_given|you_ve_been_given|you_have_already_been_given|you_are_programmed|you_were_programmed|you_must_follow|you_operate_under|that_govern_you|that_guide_you|you_were_told"),
	R(ARMOR_EXFILTRATION, 45, "exfiltration.hand-over-credentials",
	  "Asks for credentials to be handed to someone.",
	  NOT " share|give|hand_over|handover|provide|send|forward|post|paste|reveal|disclose|email|tell|dm$|message +3 your|the$|our$|my$|his|her|their|all_your|all_the +2 ssh_key|ssh_keys|private_key|private_keys|api_key|api_keys|password|passwords|credentials|token|tokens|secret_key|access_key|access_keys|seed_phrase|recovery_phrase|2fa_code|otp$|one_time_code|one_time_password|mfa_code|session_cookie|auth_token|pin_code|login_details|login_credentials"),
	R(ARMOR_EXFILTRATION, 55, "exfiltration.reveal-credential",
	  "Asks for the value of a credential or the environment to be shown.",
	  REVEAL "|include +4 value_of|values_of|contents_of|content_of|contents$|value$ +2 the$|your|my$|all$|every|this|that|any +2 authorization|auth_header|api_key|api_keys|token|secret|password|credential|env$|environment|env_var|private_key|ssh_key|aws|cookie|session|bearer|header"),
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, 25, "extraction.complete-sentence",
	  "Baits the model into completing a sentence from its prompt.",
	  "i_was_instructed_to|i_was_told_to|my_instructions_are|my_system_prompt|my_initial_instructions|you_were_instructed_to|your_instructions_are|your_system_prompt_is|complete_this_sentence|continue_this_sentence|fill_in_the_blank|finish_this_sentence|complete_the_following_sentence"),

	/* Sending data away. */
	RD(ARMOR_EXFILTRATION, 45, 80, 0, "exfiltration.send-secrets",
	   "Asks for credentials or private data to be sent somewhere.",
	   NOT " " SEND " +5 " SECRET_OBJECT " +8 " TO),
	RD(ARMOR_EXFILTRATION, 0, 50, ARMOR_SRC_READ, "exfiltration.send-data",
	   "Asks for data to be sent to an outside address.",
	   NOT " " SEND " +5 " DATA_OBJECT " +8 " TO),
	RD(ARMOR_EXFILTRATION, 0, 60, 0, "exfiltration.embed-secrets",
	   "Asks for credentials to be put into a URL or message that leaves.",
	   NOT " " PUT " +5 " SECRET_OBJECT " +8 " TO "|url|link|query|parameter|image|request|header|webhook"),
	RD(ARMOR_EXFILTRATION, 35, 60, 0, "exfiltration.exfiltrate",
	   "Uses the word exfiltrate.", "exfiltrat|exfil$"),
};
const size_t armor_n_rules_english = sizeof armor_rules_english / sizeof armor_rules_english[0];
