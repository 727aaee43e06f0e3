/* armor: phrase rules in languages other than English, for the core injection and jailbreak families. */
#include "armor-internal.h"

/*
 * Stems are folded the way armor_fold() folds text: lower case, accents
 * dropped (ä is a, ç is c, ß is ss), ё is е. Word order differs between
 * languages, so several families have a rule per order. Han, kana and
 * Hangul count one word per character, hence the wider gaps there.
 */

#define R(cat, w, id, msg, pat) \
	{ .category = cat, .weight = w, .rule = id, .message = msg, .pattern = pat }

#define IGNORE_MSG "Tells the model to ignore or forget its previous instructions."
#define FORGET_MSG "Tells the model to forget everything it was told before."
#define ROLE_MSG "Changes the model's role for the rest of the conversation."
#define PERSONA_MSG "Casts the model as a persona without rules, as jailbreaks do."
#define EXTRACT_MSG "Asks for the model's instructions, system prompt or password."

#define IGNORE_PREVIOUS(w, verbs, prior, nouns)                                                 \
	R(ARMOR_INJECTION, w, "injection.ignore-previous", IGNORE_MSG,                          \
	  verbs " +3 " prior " +3 " nouns)
#define IGNORE_PREVIOUS_NOUN_FIRST(w, verbs, nouns, prior)                                      \
	R(ARMOR_INJECTION, w, "injection.ignore-previous", IGNORE_MSG,                          \
	  verbs " +3 " nouns " +3 " prior)
#define ROLE(w, pat) R(ARMOR_JAILBREAK, w, "jailbreak.role-change", ROLE_MSG, pat)
#define PERSONA(w, roles, free) \
	R(ARMOR_JAILBREAK, w, "jailbreak.persona", PERSONA_MSG, roles " +4 " free)
#define EXTRACT(w, pat) \
	R(ARMOR_SYSTEM_PROMPT_EXTRACTION, w, "extraction.instructions", EXTRACT_MSG, pat)

/* German */
#define DE_V                                                                                   \
	"ignorier|vergiss|vergessen|vergesst|missacht|ubergeh|uberspring|verwirf|verwerf|"     \
	"beachte_nicht|beachten_sie_nicht|nicht_beachten|ausser_acht|hor_auf|horen_sie_auf|"  \
	"setze_dich_uber|setzen_sie_sich_uber|streich|vernachlassig|lass_die|lasse_die|"       \
	"befolge_nicht|befolgen_sie_nicht|nicht_befolgen|verzichte_auf"
#define DE_PRIOR                                                                               \
	"vorherig|vorangegangen|vorangehend|bisherig|obig|fruher|vorig|alle$|allen|alles|"     \
	"samtlich|vorher|zuvor|davor|oben|ursprunglich|anfanglich|erhaltenen|gegebenen|"       \
	"deine|ihre|jegliche|jede"
#define DE_N                                                                                   \
	"anweisung|instruktion|befehl|regel|aufgabe|auftrag|auftrage|vorgabe|richtlinie|"      \
	"prompt|eingabe|anordnung|hinweis|direktive|einschrankung|beschrankung|kommando|"      \
	"anleitung|vorschrift|programmierung|ausfuhrung|vorgaben|instruktionen|angabe|"        \
	"informationen|infos$|aufgaben"
/* French */
#define FR_V                                                                                   \
	"ignore|ignorez|ignorer|oublie|oubliez|oublier|neglige|negligez|ne_tiens_pas_compte|"  \
	"ne_tenez_pas_compte|fais_abstraction|faites_abstraction|ecarte|ecartez|abandonne|"    \
	"abandonnez|laisse_tomber|laissez_tomber|passe_outre|passez_outre|outrepasse|"         \
	"ne_suis_plus|ne_suivez_plus|ne_respecte_plus|ne_respectez_plus|ne_suis_pas|"          \
	"ne_suivez_pas|n_obeis_plus|n_obeissez_plus"
#define FR_N                                                                                   \
	"instruction|consigne|regle|directive|ordre|commande|indication|prompt|"               \
	"recommandation|contrainte|restriction|tache|taches|programmation"
#define FR_PRIOR                                                                               \
	"precedent|anterieur|ci_dessus|au_dessus|prealable|d_avant|initial|originel|"          \
	"original|donnee|fournie|recue|recues|qu_on_t_a|qu_on_vous_a|que_tu_as|que_vous_avez"
/* Spanish */
#define ES_V                                                                                   \
	"ignora|ignore|ignoren|ignorar|olvida|olvide|olviden|olvidar|olvidate|descarta|"       \
	"descarte|desecha|omite|omita|haz_caso_omiso|haga_caso_omiso|no_hagas_caso|"           \
	"no_haga_caso|pasa_por_alto|pase_por_alto|desatiende|desobedece|abandona|saltate|"     \
	"deja_de_seguir|no_sigas|no_siga|no_obedezcas|no_obedezca|prescinde_de"
#define ES_N                                                                                   \
	"instruccion|regla|indicacion|directriz|directrices|directiva|orden$|ordenes|comando|" \
	"prompt|consigna|restriccion|pauta|tarea|programacion"
#define ES_PRIOR                                                                               \
	"anterior|previa|previo|precedente|de_arriba|arriba|inicial|original|dadas|recibidas|" \
	"de_antes|que_te_di|que_te_dieron|que_recibiste|mencionad"
/* Italian */
#define IT_V                                                                                   \
	"ignora|ignori|ignorate|ignorare|dimentica|dimentichi|dimenticate|dimenticare|"        \
	"trascura|trascurate|tralascia|tralasciate|scarta|scartate|non_considerare|"           \
	"non_considerate|non_tenere_conto|non_tenete_conto|lascia_perdere|lasciate_perdere|"   \
	"non_seguire|non_seguite|abbandona|abbandonate|non_obbedire|disattendi"
#define IT_N "istruzion|regol|indicazion|direttiv|ordin|comand|prompt|consegn|restrizion|compit|programmazion"
#define IT_PRIOR                                                                               \
	"precedent|anterior|sopra|iniziali|originali|date|ricevute|di_prima|fornite|"          \
	"che_ti_sono|che_hai_ricevuto|finora"
/* Portuguese */
#define PT_V                                                                                   \
	"ignore|ignora|ignorem|ignorar|esqueca|esquece|esquecam|esquecer|desconsidere|"        \
	"desconsidera|desconsiderar|descarte|descarta|despreze|despreza|nao_considere|"        \
	"nao_siga|nao_sigam|deixe_de_lado|abandone|desobedeca|nao_obedeca|pule|salte"
#define PT_N "instruc|regra|orientac|diretriz|diretrizes|diretiva|ordem|ordens|comando|prompt|restric|tarefa|indicac|programac"
#define PT_PRIOR                                                                               \
	"anterior|previa|previo|precedente|acima|iniciais|inicial|originais|original|dadas|"   \
	"recebidas|de_antes|fornecidas|que_voce_recebeu|que_te_dei|que_lhe_foram"
/* Dutch */
#define NL_V                                                                                   \
	"negeer|negeert|negeren|vergeet|vergeten|verwaarloos|sla_over|laat_varen|gooi_weg|"    \
	"schrap|volg_niet|niet_volgen|houd_geen_rekening|hou_geen_rekening|let_niet_op|"       \
	"trek_je_niets_aan|sla_alle|passeer"
#define NL_PRIOR                                                                               \
	"vorige|voorgaande|eerdere|eerder|bovenstaande|hierboven|oorspronkelijke|originele|"   \
	"initiele|alle$|al_je|al_uw|gegeven|vorig|voorafgaande|bestaande|je$|jouw|uw$"
#define NL_N                                                                                   \
	"instructie|regel|opdracht|richtlijn|aanwijzing|prompt|commando|bevel|beperking|"      \
	"taak|taken|orders|programmering|voorschrift"
/* Russian and Ukrainian */
#define RU_V                                                                                   \
	"игнорир|проигнорир|игнорь|забудь|забудьте|забыть|забей|отбрось|отбросьте|"            \
	"не_обращай_внимания|не_обращайте_внимания|пропусти|пропустите|не_учитывай|"           \
	"не_учитывайте|не_следуй|не_следуйте|не_выполняй|не_выполняйте|отмени|отмените|"       \
	"откажись_от|откажитесь_от|перестань_следовать|больше_не_следуй|пренебреги|наплюй|"    \
	"игноруй|проігноруй|ігноруй|забудь|не_зважай"
#define RU_PRIOR                                                                               \
	"предыдущ|прежн|выше|ранее|раньше|предшествующ|вышеуказанн|вышеизложенн|"              \
	"вышеприведенн|изначальн|первоначальн|исходн|все$|всех|всем|данн|полученн|заданн|"     \
	"систем|старые|старых|свои|твои|ваши|попередн|усі|всі|вище"
#define RU_N                                                                                   \
	"инструкц|указани|правил|команд|подсказк|промпт|директив|распоряжени|приказ|"          \
	"установк|ограничени|задани|задач|настройк|запрет|рекомендац|інструкц|вказівк"
/* Chinese, simplified and traditional */
#define ZH_NOT "!不要|别|別|不能|不可|勿|莫|没有|沒有|不会|不會|千万别|千萬別|请勿|請勿|不得|切勿|未"
#define ZH_V                                                                                   \
	"忽略|忽视|忽視|无视|無視|不要理会|不要理會|不理会|不理會|别理会|別理會|忘记|忘記|"   \
	"忘掉|忘了|跳过|跳過|抛开|拋開|丢弃|丟棄|放弃|放棄|不要遵守|不再遵守|停止遵守|"     \
	"不要遵循|不再遵循|不要听从|不要聽從|无需遵守|無需遵守|绕过|繞過|撤销|撤銷|废除|廢除|" \
	"不用管|不必理会|不必理會|置之不理"
#define ZH_PRIOR                                                                               \
	"之前|以前|先前|上面|上述|前面|以上|此前|早前|原来|原來|原有|原先|最初|初始|之上|"   \
	"上文|前述|所有|全部|一切|任何|系统|系統|你的|您的|既有|现有|現有|设定的|設定的"
#define ZH_N                                                                                   \
	"指令|指示|说明|說明|规则|規則|提示|要求|命令|设定|設定|内容|內容|限制|约束|約束|"   \
	"规定|規定|准则|準則|任务|任務|对话|對話|信息|訊息|消息|话|話|守则|守則|政策|程序"
/* Japanese and Korean put the verb last. */
#define JA_PRIOR "以前|前の|上記|これまで|先の|最初の|すべて|全て|全部|今まで|元の|既存|上の|あらゆる|システム"
#define JA_N "指示|命令|指令|ルール|プロンプト|設定|説明|制約|制限|規則|ガイドライン|ポリシー|フィルター|安全"
#define JA_V "無視|忘れ|破棄|無効|従わな|捨て|リセット"
#define KO_PRIOR "이전|앞의|위의|모든|기존|지금까지|앞서|원래|초기|시스템|이전의|위에"
#define KO_N "지시|명령|지침|규칙|프롬프트|설정|안내|제한|규정|정책"
#define KO_V "무시|잊어|잊으|잊고|무효|버려|버리|따르지"

const struct armor_phrase_rule armor_rules_intl[] = {
	/* German */
	IGNORE_PREVIOUS(85, DE_V, DE_PRIOR, DE_N),
	IGNORE_PREVIOUS_NOUN_FIRST(80, DE_V, DE_N, "oben|zuvor|davor|vorher|bisher|von_vorhin"),
	IGNORE_PREVIOUS(80, "lass|lasse|lassen_sie|bitte", "alle|alles|die_bisherigen|die_vorherigen|samtliche",
			DE_N " +3 hinter_dir|beiseite|aus_dem_kopf|weg$|fallen|ausser_acht|links_liegen"),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "vergiss|vergessen_sie|vergesst|ignoriere|ignorieren_sie +2 alles|allem +3 davor|vorher|zuvor|oben|bisher|was_ich|was_du|was_dir|was_ihnen|was_man|gesagt|geschrieben|bisherige|vorherige"),
	ROLE(30, "du_bist_jetzt|du_bist_nun|ab_jetzt_bist_du|ab_sofort_bist_du|von_nun_an_bist_du|jetzt_bist_du|nun_bist_du|sie_sind_jetzt|ab_jetzt_sind_sie|ab_sofort_sind_sie|tu_so_als_ob_du|tun_sie_so_als|spiele_die_rolle|agiere_als|verhalte_dich_wie|ich_mochte_dass_sie_als|ich_mochte_dass_du_als|ich_will_dass_du_als|stell_dir_vor_du_bist|stell_dir_vor_dass_du"),
	PERSONA(70, "du_bist|sie_sind|agiere_als|tu_so_als|spiele|stell_dir_vor", "bose_ki|boese_ki|bose_kunstliche|ohne_einschrankung|ohne_regeln|ohne_filter|ohne_grenzen|ohne_zensur|ohne_moral|ohne_ethik|uneingeschrankt|ungefiltert|unzensiert|zensurfrei|keine_regeln|keine_einschrankungen|keine_grenzen|keine_filter|dan$^|jailbreak|entwicklermodus"),
	EXTRACT(50, "zeig|gib|verrat|nenn|wiederhol|druck|schreib|sag_mir|teile_mir|enthull|offenbar|ausgeben|gib_aus|sage_mir|verraten_sie|zeigen_sie|nennen_sie|geben_sie +4 dein|deine|deinen|deiner|ihr$|ihre|ihren|ihrer +2 systemprompt|system_prompt|systemnachricht|anweisung|instruktion|prompt|vorgabe|passwort|kennwort|geheimwort|geheimes_wort|regeln|anfangsanweisung|ursprungliche|konfiguration|richtlinie"),
	EXTRACT(55, "zeig|gib|verrat|nenn|wiederhol|druck|schreib|sag_mir|teile_mir|enthull|offenbar|ausgeben|gib_aus|sage_mir|verraten_sie|zeigen_sie|nennen_sie|geben_sie|was_ist +4 den$|die$|das$|samtliche|alle +2 systemprompt|system_prompt|systemnachricht|passwort|kennwort|geheimwort|geheime_wort|prompt_texte|prompttexte|anfangsanweisungen|ursprunglichen_anweisungen"),

	R(ARMOR_INJECTION, 80, "injection.ignore-previous", IGNORE_MSG,
	  "obig|vorherig|vorangegangen|bisherig|fruher|vorig|alle|samtlich|deine|ihre +3 " DE_N " +3 ignorieren|vergessen|missachten|uberspringen|verwerfen|beiseite_lassen|nicht_beachten"),
	R(ARMOR_INJECTION, 75, "injection.ignore-previous", IGNORE_MSG,
	  "abweichend_von|abweichend_zu|entgegen|ungeachtet|unabhangig_von|trotz +3 " DE_PRIOR " +3 " DE_N),
	R(ARMOR_JAILBREAK, 40, "jailbreak.no-refusal", "Forbids the model to refuse.",
	  "niemals|nie$|nicht|keine +2 ablehnen|verweigern|weigern|zuruckweisen|absagen"),
	R(ARMOR_INJECTION, 40, "injection.forget-everything", FORGET_MSG,
	  "vergiss|vergessen_sie|vergesst +1 alles$|allem$"),
	R(ARMOR_INJECTION, 55, "injection.instructions-void", "Declares what the model was told before irrelevant.",
	  "bisherig|vorherig|obig|fruher|vorangegangen|alle_bisherigen|alle_vorherigen +3 " DE_N " +6 irrelevant|ungultig|nichtig|hinfallig|veraltet|unwichtig|egal|aufgehoben|aussen_vor|nicht_mehr"),
	R(ARMOR_INJECTION, 25, "injection.task-switch",
	  "Praises the last answer and switches to another task, as injections do.",
	  "sehr_gut|gut_gemacht|super_gemacht|toll_gemacht|das_ist_erledigt|das_reicht|genug_davon|das_war_schon|herzlichen_gluckwunsch +6 nun|jetzt|aber_jetzt|als_nachstes +4 neue_aufgabe|nachste_aufgabe|andere_aufgabe|folgende_aufgabe|neue_herausforderung|schreibe|verfasse|sage|gib|formuliere|beantworte"),

	/* French */
	IGNORE_PREVIOUS_NOUN_FIRST(85, FR_V, FR_N, FR_PRIOR),
	IGNORE_PREVIOUS(85, FR_V, "precedent|anterieur|premier|premiere", FR_N),
	R(ARMOR_INJECTION, 65, "injection.ignore-instructions", IGNORE_MSG,
	  FR_V " +2 toutes|tous|vos|tes|l_ensemble_de|l_ensemble_des +2 " FR_N),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "oublie|oubliez|oublier|ignore|ignorez +2 tout$ +3 ce_qui_precede|ce_qui_a_ete|ce_que_j_ai|ce_qu_on|ce_que_je|avant|precede|precedemment|ci_dessus|jusqu_ici|auparavant|dit$|ecrit|appris"),
	ROLE(30, "tu_es_maintenant|tu_es_desormais|vous_etes_maintenant|vous_etes_desormais|a_partir_de_maintenant|desormais_tu|desormais_vous|agis_comme|agissez_comme|fais_semblant_d_etre|faites_semblant_d_etre|joue_le_role|jouez_le_role|comporte_toi_comme"),
	PERSONA(70, "tu_es|vous_etes|agis_comme|agissez_comme|fais_semblant|faites_semblant|joue|jouez|incarne", "sans_restriction|sans_limite|sans_filtre|sans_censure|non_censure|sans_regle|sans_aucune|sans_ethique|sans_morale|dan$^|aucune_restriction|aucune_limite|aucun_filtre|aucune_regle|mode_developpeur|jailbreak|libere_de"),
	EXTRACT(50, "montre|montrez|affiche|affichez|revele|revelez|donne|donnez|repete|repetez|imprime|imprimez|ecris|ecrivez|dis_moi|dites_moi|quel_est|quelle_est|quelles_sont|quels_sont|divulgue|divulguez|communique|communiquez +3 ton$|ta$|tes$|votre|vos$ +2 prompt|instruction|consigne|mot_de_passe|regle|directive|message_systeme|configuration|programmation"),
	EXTRACT(55, "montre|montrez|affiche|affichez|revele|revelez|donne|donnez|repete|repetez|imprime|imprimez|ecris|ecrivez|dis_moi|dites_moi|quel_est|quelle_est|divulgue|divulguez +3 le$|la$|les$ +2 prompt_systeme|prompt_du_systeme|message_systeme|message_du_systeme|instructions_initiales|instructions_systeme|instructions_du_systeme|mot_de_passe|mot_secret|consignes_initiales"),

	/* Spanish */
	IGNORE_PREVIOUS_NOUN_FIRST(85, ES_V, ES_N, ES_PRIOR),
	IGNORE_PREVIOUS(85, ES_V, "anterior|previa|previo|precedente|primera|primeras", ES_N),
	R(ARMOR_INJECTION, 65, "injection.ignore-instructions", IGNORE_MSG,
	  ES_V " +2 todas|todos|tus$|sus$|cualquier +2 " ES_N),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "olvida|olvide|olviden|olvidate|ignora|ignore|ignoren +2 todo$|todo_lo +3 anterior|de_antes|antes|que_te_dije|que_dije|que_te_dijeron|dicho|escrito|previo|hasta_ahora|arriba|aprendido"),
	ROLE(30, "ahora_eres|a_partir_de_ahora|desde_ahora_eres|de_ahora_en_adelante|actua_como|actue_como|finge_ser|finja_ser|finge_que_eres|haz_de_cuenta|eres_ahora|interpreta_el_papel|juega_el_papel"),
	PERSONA(70, "eres|sera|seras|actua_como|actue_como|finge|finja|interpreta", "sin_restricciones|sin_limites|sin_filtros|sin_censura|sin_reglas|sin_etica|sin_moral|dan$^|ninguna_restriccion|ningun_limite|sin_ninguna|sin_ningun|modo_desarrollador|jailbreak|libre_de"),
	EXTRACT(50, "muestra|muestrame|muestre|revela|revelame|revele|dime|digame|dame|deme|repite|repita|imprime|imprima|escribe|escriba|cual_es|cuales_son|comparte|divulga|ensename|ensename +3 tu$|tus$|su$|sus$ +2 prompt|instruccion|indicacion|contrasena|clave|reglas|directrices|configuracion|mensaje_del_sistema|programacion"),
	EXTRACT(55, "muestra|muestrame|muestre|revela|revelame|revele|dime|digame|dame|deme|repite|repita|imprime|imprima|escribe|escriba|cual_es|divulga +3 el$|la$|las$|los$ +2 prompt_del_sistema|prompt_de_sistema|mensaje_del_sistema|instrucciones_iniciales|instrucciones_del_sistema|contrasena|clave_secreta|palabra_secreta"),

	/* Italian */
	IGNORE_PREVIOUS_NOUN_FIRST(85, IT_V, IT_N, IT_PRIOR),
	IGNORE_PREVIOUS(85, IT_V, "precedent|prim", IT_N),
	R(ARMOR_INJECTION, 65, "injection.ignore-instructions", IGNORE_MSG,
	  IT_V " +2 tutte|tutti|le_tue|i_tuoi|tue$|tuoi$|le_sue|qualsiasi|ogni +2 " IT_N),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "dimentica|dimenticate|dimentichi|ignora|ignorate +2 tutto +3 quello|cio|prima|sopra|precedente|detto|scritto|finora|appreso"),
	ROLE(30, "ora_sei|adesso_sei|d_ora_in_poi|da_ora_in_poi|da_adesso|d_ora_in_avanti|da_ora_in_avanti|agisci_come|comportati_come|fingi_di_essere|fai_finta_di_essere|interpreta_il_ruolo"),
	PERSONA(70, "sei$|sarai|agisci_come|comportati_come|fingi|fai_finta|interpreta", "senza_restrizioni|senza_limiti|senza_filtri|senza_censura|senza_regole|senza_etica|senza_morale|dan$^|nessuna_restrizione|nessun_limite|nessuna_regola|modalita_sviluppatore|jailbreak|libero_da"),
	EXTRACT(50, "mostra|mostrami|mostrate|rivela|rivelami|dimmi|dammi|ripeti|stampa|scrivi|qual_e|quali_sono|condividi|svela|svelami +3 il_tuo|la_tua|le_tue|i_tuoi|tuo$|tua$|tue$|tuoi$|vostro|vostra|vostre|vostri +2 prompt|istruzion|password|regole|direttive|configurazion|messaggio_di_sistema|programmazion"),
	EXTRACT(55, "mostra|mostrami|mostrate|rivela|rivelami|dimmi|dammi|ripeti|stampa|scrivi|qual_e|svela|svelami +3 il$|la$|le$|i$ +2 prompt_di_sistema|prompt_del_sistema|messaggio_di_sistema|istruzioni_iniziali|istruzioni_di_sistema|password|parola_d_ordine|parola_segreta"),

	/* Portuguese */
	IGNORE_PREVIOUS_NOUN_FIRST(85, PT_V, PT_N, PT_PRIOR),
	IGNORE_PREVIOUS(85, PT_V, "anterior|anteriores|previa|previas|precedente|primeira|primeiras", PT_N),
	R(ARMOR_INJECTION, 65, "injection.ignore-instructions", IGNORE_MSG,
	  PT_V " +2 todas|todos|suas|seus|tuas|teus|quaisquer|qualquer +2 " PT_N),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "esqueca|esquece|esquecam|ignore|ignora|ignorem +2 tudo +3 anterior|antes|acima|que_eu_disse|que_foi_dito|dito|escrito|ate_agora|previamente|aprendeu"),
	ROLE(30, "agora_voce_e|agora_voce_sera|a_partir_de_agora|de_agora_em_diante|voce_agora_e|aja_como|atue_como|finja_ser|finja_que_e|interprete_o_papel|faca_o_papel"),
	PERSONA(70, "voce_e|voce_sera|aja_como|atue_como|finja|interprete|seja", "sem_restricoes|sem_limites|sem_filtros|sem_censura|sem_regras|sem_etica|sem_moral|dan$^|nenhuma_restricao|nenhum_limite|nenhuma_regra|modo_desenvolvedor|jailbreak|livre_de"),
	EXTRACT(50, "mostre|mostra|me_mostre|revele|revela|diga|diz|me_diga|me_de|repita|repete|imprima|escreva|qual_e|quais_sao|compartilhe|divulgue +3 seu$|sua$|seus$|suas$|teu$|tua$ +2 prompt|instruc|senha|regras|diretrizes|configurac|mensagem_do_sistema|programac"),
	EXTRACT(55, "mostre|mostra|me_mostre|revele|revela|diga|me_diga|me_de|repita|imprima|escreva|qual_e|divulgue +3 o$|a$|as$|os$ +2 prompt_do_sistema|prompt_de_sistema|mensagem_do_sistema|instrucoes_iniciais|instrucoes_do_sistema|senha|palavra_secreta|palavra_passe"),

	/* Dutch */
	IGNORE_PREVIOUS(85, NL_V, NL_PRIOR, NL_N),
	IGNORE_PREVIOUS_NOUN_FIRST(80, NL_V, NL_N, "hierboven|van_eerder|van_hiervoor|die_je_kreeg|die_je_hebt_gekregen|die_u_kreeg|tot_nu_toe"),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "vergeet|negeer +2 alles|al$ +3 hierboven|daarvoor|ervoor|wat_ik|wat_er|wat_je|gezegd|geschreven|tot_nu_toe|eerder|voorgaande|geleerd"),
	ROLE(30, "je_bent_nu|jij_bent_nu|u_bent_nu|vanaf_nu_ben_je|vanaf_nu_bent_u|vanaf_nu|van_nu_af_aan|gedraag_je_als|doe_alsof_je|speel_de_rol"),
	PERSONA(70, "je_bent|jij_bent|u_bent|gedraag_je_als|doe_alsof|speel", "zonder_beperkingen|zonder_grenzen|zonder_filters|zonder_censuur|zonder_regels|zonder_ethiek|zonder_moraal|dan$^|ongecensureerd|ongefilterd|onbeperkt|geen_regels|geen_beperkingen|ontwikkelaarsmodus|jailbreak"),
	EXTRACT(50, "toon|laat_zien|laat_me|geef|herhaal|onthul|print|schrijf|wat_is|wat_zijn|deel|vertel +3 je$|jouw|uw$ +2 prompt|instructie|wachtwoord|regels|richtlijnen|configuratie|systeembericht|systeemprompt|programmering"),
	EXTRACT(55, "toon|laat_zien|laat_me|geef|herhaal|onthul|print|schrijf|wat_is|vertel +3 de$|het$ +2 systeemprompt|systeem_prompt|systeembericht|wachtwoord|initiele_instructies|oorspronkelijke_instructies|geheime_woord"),

	/* Russian, Ukrainian */
	IGNORE_PREVIOUS(85, RU_V, RU_PRIOR, RU_N),
	IGNORE_PREVIOUS_NOUN_FIRST(85, RU_V, RU_N, "выше|ранее|раньше|предыдущ|данные_ранее|данные_тебе|которые_тебе|что_были|полученные|прежн"),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  "забудь|забудьте|игнорируй|игнорируйте|проигнорируй|проигнорируйте +2 все$|обо_всем|всем +3 что|выше|ранее|раньше|до_этого|прежде|сказано|написано|сказал|говорил|узнал"),
	ROLE(30, "теперь_ты|отныне_ты|с_этого_момента_ты|с_этого_момента_вы|теперь_вы|отныне_вы|ты_теперь|вы_теперь|веди_себя_как|притворись|представь_что_ты|действуй_как|сыграй_роль|тепер_ти|відтепер_ти"),
	PERSONA(70, "ты$|вы$|теперь_ты|притворись|действуй_как|сыграй|ти$", "без_ограничений|без_цензуры|без_фильтров|без_правил|без_морали|без_этики|дэн|dan$^|никаких_ограничений|никаких_правил|неограниченн|нецензурированн|режим_разработчика|джейлбрейк|без_обмежень"),
	EXTRACT(55, "покажи|покажите|выведи|выведите|раскрой|раскройте|скажи|скажите|назови|назовите|повтори|повторите|напиши|напишите|дай|дайте|сообщи|сообщите|распечатай|расскажи|открой|покажи_мне +3 свой|свои|своя|свою|твой|твои|твою|твоя|ваш|ваши|вашу|системн|исходн|начальн|скрыт +2 промпт|инструкц|подсказк|пароль|правила|указани|настройк|сообщени|секретн"),

	/* Croatian, Serbian, Bosnian, Slovenian */
	IGNORE_PREVIOUS(85, "zaboravi|zaboravite|ignoriraj|ignorirajte|ignorisi|ignorisite|zanemari|zanemarite|pozabi|ne_obaziraj",
			"sve$|svih|prethodn|ranij|gornj|dosadasnj|vse|prejsnj|tvoje|svoje",
			"instrukcij|uput|pravil|naredb|navodil|smjernic|smernic|zadat|prompt"),
	R(ARMOR_INJECTION, 55, "injection.ignore-instructions", IGNORE_MSG,
	  "zaboravi|zaboravite|ignoriraj|ignorirajte|ignorisi|zanemari +1 instrukcij|uput|pravil|naredb|prompt"),

	/* Chinese */
	R(ARMOR_JAILBREAK, 45, "jailbreak.no-refusal", "Forbids the model to refuse.",
	  "不要拒绝|不要拒絕|不得拒绝|不得拒絕|不能拒绝|不能拒絕|绝不拒绝|絕不拒絕|永远不要拒绝|永遠不要拒絕|不许拒绝|不許拒絕|禁止拒绝|禁止拒絕|不准拒绝|不准拒絕"),
	R(ARMOR_JAILBREAK, 55, "jailbreak.mode", "Switches on a jailbreak mode.",
	  "启用|啟用|开启|開啟|进入|進入|打开|打開|激活|切换到|切換到 +3 开发者模式|開發者模式|越狱模式|越獄模式|无限制模式|無限制模式|上帝模式|dan$^"),
	IGNORE_PREVIOUS(85, ZH_NOT " " ZH_V, ZH_PRIOR, ZH_N),
	R(ARMOR_INJECTION, 75, "injection.forget-everything", FORGET_MSG,
	  ZH_NOT " 忘记|忘記|忘掉|忽略|无视|無視 +3 一切|所有|全部 +4 之前|以前|上面|以上|前面|说过|說過|讲过|講過|告诉你|告訴你|学到|學到"),
	ROLE(30, "你现在是|你現在是|从现在开始|從現在開始|从现在起|從現在起|现在你是|現在你是|你将扮演|你將扮演|假装你是|假裝你是|请扮演|請扮演|你要扮演"),
	PERSONA(70, "你是|你现在|你現在|扮演|假装|假裝|成为|成為|作为|作為", "不受限制|没有限制|沒有限制|无限制|無限制|不受任何限制|没有任何限制|沒有任何限制|无视规则|無視規則|没有道德|沒有道德|不受约束|不受約束|越狱|越獄|开发者模式|開發者模式|dan$^|无审查|無審查|无过滤|無過濾|没有规则|沒有規則"),
	EXTRACT(55, "显示|顯示|告诉我|告訴我|输出|輸出|打印|重复|重複|泄露|洩露|透露|给我|給我|说出|說出|展示|列出|公开|公開|复述|複述|写出|寫出|提供 +8 系统提示|系統提示|提示词|提示詞|系统指令|系統指令|初始指令|原始指令|系统消息|系統消息|系统设定|系統設定|你的指令|你的提示|你的设定|你的設定|你的规则|你的規則|密码|密碼|口令|隐藏指令|隱藏指令"),

	/* Japanese, Korean */
	R(ARMOR_INJECTION, 85, "injection.ignore-previous", IGNORE_MSG,
	  JA_PRIOR " +4 " JA_N " +6 " JA_V),
	ROLE(30, "あなたは今から|今からあなたは|これからあなたは|今後あなたは|あなたはこれから"),
	R(ARMOR_JAILBREAK, 55, "jailbreak.persona", PERSONA_MSG,
	  "制限のない|制限なし|無制限|検閲のない|検閲なし|フィルターのない|倫理のない +4 ai$|ａｉ|アシスタント|として|モデル|存在"),
	R(ARMOR_JAILBREAK, 45, "jailbreak.no-refusal", "Forbids the model to refuse.",
	  "拒否しない|拒否しては|拒否せず|断らない|断っては|断らず"),
	R(ARMOR_INJECTION, 85, "injection.ignore-previous", IGNORE_MSG,
	  KO_PRIOR " +4 " KO_N " +4 " KO_V),
	ROLE(30, "지금부터_너는|지금부터_당신은|이제부터_너는|이제부터_당신은|이제_너는|이제_당신은"),

	/* Polish, Turkish, Arabic, Hindi */
	IGNORE_PREVIOUS(85, "zignoruj|ignoruj|zapomnij|pomin|nie_zwracaj_uwagi_na|odrzuc|nie_stosuj_sie",
			"poprzedni|wczesniejsz|powyzsz|wszystkie|wszelkie|dotychczasow|swoje|twoje|oryginaln",
			"instrukcj|polecen|zasad|regul|wskazow|komend|prompt|wytyczn|ograniczen"),
	R(ARMOR_INJECTION, 85, "injection.ignore-previous", IGNORE_MSG,
	  "onceki|yukaridaki|tum|butun|mevcut|ilk|orijinal|verilen +3 talimat|komut|kural|yonerge|istem|prompt|direktif|kisitlama +3 gormezden|yoksay|unut|dikkate_alma|ihmal|uyma"),
	IGNORE_PREVIOUS_NOUN_FIRST(85, "تجاهل|انس|اهمل|أهمل|تخط|لا_تتبع|تجاوز",
				   "التعليمات|تعليمات|الأوامر|أوامر|الاوامر|القواعد|قواعد|الإرشادات|الارشادات|التوجيهات|القيود",
				   "السابقة|سابقة|الأصلية|الاصلية|أعلاه|اعلاه|الأولى|جميع|كل"),
	IGNORE_PREVIOUS(85, "تجاهل|انس|اهمل|أهمل|تخط|لا_تتبع|تجاوز", "جميع|كل|كافة",
			"التعليمات|تعليمات|الأوامر|أوامر|الاوامر|القواعد|قواعد|الإرشادات|الارشادات|التوجيهات"),
	R(ARMOR_INJECTION, 85, "injection.ignore-previous", IGNORE_MSG,
	  "पिछल|पूर्व|सभी|ऊपर|पहले|मूल +3 निर्देश|आदेश|नियम|हिदायत|प्रॉम्प्ट +4 अनदेखा|नजरअंदाज|नज़रअंदाज़|भूल|उपेक्षा|त्याग"),
};
const size_t armor_n_rules_intl = sizeof armor_rules_intl / sizeof armor_rules_intl[0];
