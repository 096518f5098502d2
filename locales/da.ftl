# Landsbyplan – danske tekster (Danish, the app's first language)
app-title = Landsbyplan
app-tagline = Lokalrådenes udviklingsplaner – også uden net
language-switch = English
language-switch-label = : skift sprog til engelsk
offline-banner = Du er offline. Alt, du skriver, gemmes på denne enhed og deles, når der er net igen.
profile-heading = Dig
profile-name-label = Dit navn (står ved alt, du ændrer)
profile-name-unknown = Ukendt
councils-heading = Lokalråd på denne enhed
councils-empty = Der er endnu ingen lokalråd på denne enhed.
councils-loading = Henter gemte lokalråd …
council-name-label = Lokalrådets navn
council-create = Opret lokalråd
council-created = { $name } er oprettet og gemt på denne enhed.
error-name-required = Skriv et navn først.
error-storage-failed = Kunne ikke gemme på denne enhed: { $reason }
error-storage-full = Enheden har ikke mere plads. Intet er mistet; frigør plads og prøv igen.
error-storage-unavailable = Browseren tillader ikke lokal lagring her (privat vindue?). Dine data kan ikke gemmes.
error-damaged-space = Et gemt rum kunne ikke læses: { $reason }
sync-local = Gemt på denne enhed
sync-waiting = Gemt på denne enhed; { $count } { $count ->
    [one] ændring venter
   *[other] ændringer venter
} på at blive delt
sync-missing = Venter på ændringer fra andre
sync-synced = Delt – alt er synkroniseret
sync-refused = Relæet afviste ændringerne; de er gemt på denne enhed
share-summary = Del og omdøb
share-link-label = Delingslink – alle med linket kan se og redigere
rename-label = Nyt navn
rename-save = Gem navn
joining = Venter på det, der er delt med dig …
update-ready = Der er en ny version af Landsbyplan.
update-reload = Genindlæs
storage-heading = Lagerplads på denne enhed
storage-use = Landsbyplan bruger { $used } MB af de { $quota } MB, browseren giver plads til.
storage-persistent = Browseren har lovet at beholde dataene.
storage-best-effort = Browseren kan slette dataene, hvis enheden løber tør for plads. Del dine rum, så de også findes på andre enheder.
storage-unknown = Browseren oplyser ikke, hvor meget plads der bruges.
profile-role-label = Din rolle
role-citizen = Borger
role-professional = Fagperson i kommunen
role-consultant = Landdistriktskonsulent
role-politician = Politiker
welcome-heading = Velkommen til Landsbyplan
welcome-intro = Skriv dit navn, så de andre kan se, hvem der har skrevet hvad. Der er ingen konto; navnet bliver på denne enhed.
profile-language-label = Sprog
skip-to-content = Gå til indholdet
back-home = Til forsiden
crumbs-label = Du er her
not-found-heading = Siden findes ikke
space-missing-heading = Rummet findes ikke på denne enhed
space-missing = Denne enhed har ikke dette lokalråd eller denne gruppe. Åbn et delingslink til det, eller gå til forsiden.
kind-council = Lokalråd
kind-project-group = Projektgruppe
kind-network = Netværket
groups-heading = Projektgrupper på denne enhed
retry-save = Prøv at gemme igen
save = Gem
edit-summary = Ret eller fjern
nobody = Ingen
none-chosen = Ikke valgt
history-summary = Historik
history-entry = { $author }, { $time }
conflicts-heading = Samtidige ændringer
conflicts-intro = To personer har ændret det samme felt på samme tid. Begge værdier er gemt; vælg den, der skal gælde.
conflict-field = { $field } for «{ $entity }»
conflict-keep = Behold «{ $value }»
field-name = Navn
field-title = Titel
field-contact = Kontakt
field-role = Rolle
field-status = Status
field-owner = Ansvarlig
field-due = Frist
field-cost = Pris
field-funding = Finansiering
field-leader = Leder
field-other = Et felt
focus-area-1 = Natur-, kultur- og fritidstilbud
focus-area-2 = Områdefornyelse
focus-area-3 = Mobilitet
focus-area-unknown = Ukendt fokusområde
council-overview = { $members } { $members ->
        [one] medlem
       *[other] medlemmer
    } · { $goals } mål · { $actions } { $actions ->
        [one] handling
       *[other] handlinger
    }, heraf { $done } udført
print-link = Udskriv udviklingsplanen (A4)
members-heading = Medlemmer
members-empty = Ingen medlemmer endnu.
member-add-heading = Tilføj et medlem
member-name-label = Navn
member-contact-label = Telefon eller e-mail
member-role-label = Rolle
member-add = Tilføj medlem
member-remove = Fjern medlemmet
vision-heading = Vision
vision-label = Lokalrådets vision (gemmes, mens du skriver)
goals-heading = Mål
goal-new-label = Nyt mål for { $area }
goal-add = Tilføj mål
goal-remove = Fjern målet «{ $goal }»
error-goal-required = Skriv målet først.
actions-heading = Handlingsplan
actions-filter-label = Vis handlinger
filter-status-label = Status
filter-area-label = Fokusområde
filter-all = Alle
actions-shown = Viser { $shown } af { $all } { $all ->
        [one] handling
       *[other] handlinger
    }
action-add-heading = Tilføj en handling
action-add = Tilføj handling
action-title-label = Handling
action-area-label = Fokusområde
action-goal-label = Mål, den tjener
owner-label = Ansvarlig
action-deadline-label = Frist
action-cost-label = Pris (kr.)
action-funding-label = Finansiering
action-status-label = Status
action-remove = Fjern handlingen
action-owner = Ansvarlig: { $name }
action-deadline = Frist: { $date }
action-cost = { $amount } kr.
action-funding = Finansiering: { $funding }
action-status-idea = Idé
action-status-planned = Planlagt
action-status-in-progress = I gang
action-status-done = Udført
action-status-dropped = Opgivet
error-action-title-required = Skriv, hvad handlingen er, først.
error-cost = Skriv prisen som et helt antal kroner, fx 12500.
council-groups-heading = Projektgrupper
council-groups-empty = Lokalrådet er ikke med i nogen projektgruppe på denne enhed.
group-start-heading = Start en projektgruppe
group-area-label = Fokusområde
group-existing-intro = Der er allerede en gruppe på dette fokusområde. Politikken lægger op til, at flere lokalråd arbejder sammen i én gruppe – vil I være med i den i stedet?
group-join = Bliv en del af { $group }
group-start-anyway = Vi vil alligevel starte en ny gruppe
group-name-label = Gruppens navn
group-start = Start gruppen
error-focus-area-required = Vælg et fokusområde først.
group-overview-heading = Om gruppen
group-councils-heading = Lokalråd i gruppen
group-progress = { $done } af { $all } { $all ->
        [one] opgave
       *[other] opgaver
    } er udført
group-merged = Gruppen er lagt sammen med en anden gruppe.
group-merged-link = Gå til den samlede gruppe
leader-heading = Projektleder
leader-is = { $name } er projektleder.
leader-none = Gruppen har ingen projektleder endnu.
leader-label = Vælg projektleder blandt medlemmerne
group-goal-heading = Gruppens mål
group-goal-label = Hvad vil gruppen opnå? (gemmes, mens du skriver)
milestones-heading = Milepæle
milestone-add-heading = Tilføj en milepæl
milestone-title-label = Milepæl
milestone-add = Tilføj milepæl
milestone-remove = Fjern milepælen «{ $milestone }»
error-milestone-required = Skriv milepælen først.
due-label = Frist
due-on = Frist: { $date }
tasks-heading = Opgaver
task-add-heading = Tilføj en opgave
task-title-label = Opgave
task-add = Tilføj opgave
task-remove = Fjern opgaven
task-status-label = Status
task-status-todo = Ikke startet
task-status-doing = I gang
task-status-done = Udført
task-milestone = Milepæl: { $milestone }
task-milestone-label = Milepæl
error-task-title-required = Skriv opgaven først.
share-heading = Del
share-intro = Send linket eller lad den anden scanne QR-koden. Nøglen står kun efter # i linket og sendes aldrig til en server.
share-read-link-label = Link kun til at læse
share-qr-edit = QR-kode med linket til at redigere
share-qr-read = QR-kode med linket til at læse
share-copy = Kopiér link
share-send = Del …
share-copied = Linket er kopieret.
share-copy-failed = Linket kunne ikke kopieres; markér det og kopiér selv.
share-not-allowed = Du kan kun læse dette rum, så du kan ikke dele det videre herfra.
print-back = Tilbage til lokalrådet
print-now = Udskriv
print-title = Udviklingsplan for { $name }
print-date = Udskrevet { $date }
read-only-note = Du har fået et link, der kun giver lov til at læse. Bed om redigeringslinket, hvis du skal skrive med.
error-read-only = Du kan kun læse dette rum; ændringen er ikke gemt.
file-save-intro = Du kan også gemme rummet som en fil og give den videre, fx på en USB-nøgle eller i en mail. Den, der åbner filen, får en kopi, der lægges sammen med deres egen.
file-save = Gem som fil
error-file-save = Filen kunne ikke laves i denne browser.
file-open-heading = Åbn fra fil
file-open-label = Åbn et lokalråd eller en gruppe fra en fil (.landsbyplan). Har du det allerede, lægges filen sammen med dit.
file-opening = Åbner filen …
error-file-too-large = Filen fylder { $size } MB; Landsbyplan åbner filer på højst { $limit } MB. Er det den rigtige fil?
error-file-unreadable = Filen kunne ikke læses.
error-file-not-a-space = Filen er ikke et lokalråd eller en gruppe fra Landsbyplan.
error-file-inflates = Filen pakker sig ud til mere, end Landsbyplan kan åbne, så den blev ikke åbnet.
error-file-newer = Filen er gemt med en nyere udgave af Landsbyplan. Genindlæs siden for at få den nyeste udgave, og prøv igen.
sync-synced-at = Delt – alt er synkroniseret (seneste kontakt kl. { $time })
sync-rejected = { $count ->
    [one] 1 modtaget besked blev afvist (forfalsket, i forkert rækkefølge, ulæselig eller for stor)
   *[other] { $count } modtagne beskeder blev afvist (forfalskede, i forkert rækkefølge, ulæselige eller for store)
}
sync-shared = Alt herfra er delt
sync-shared-at = Alt herfra er delt (seneste kontakt kl. { $time })
join-heading = Deltag via et link
join-label = Har du fået et delingslink som tekst? Sæt det ind her. (Et link i en QR-kode åbner du bare med kameraet.)
join-submit = Deltag
error-share-link = Det er ikke et delingslink fra Landsbyplan. Kopiér hele linket, også delen efter #.
network-heading = Netværket og årshjulet
network-intro = Landdistriktskonsulenten samler lokalrådene i ét netværk med årshjulet. Er der allerede et, så få linket til det; ellers kan du starte det her.
network-name-label = Netværkets navn
network-default-name = Landdistrikterne i Billund Kommune
network-create = Start netværket
wheel-heading = Årshjulet
wheel-label = Årshjulet for { $year } med årstider, måneder og begivenheder
wheel-today = I dag
wheel-year-before = Vis { $year }
wheel-year-after = Vis { $year }
wheel-prefill = Læg de faste begivenheder for { $year } ind
wheel-prefilled = { $count ->
        [one] { $count } fast begivenhed er lagt ind.
       *[other] { $count } faste begivenheder er lagt ind.
    }
wheel-ics = Hent kalenderfil (.ics)
wheel-empty = Der er ingen begivenheder i dette år endnu.
event-cancelled = (aflyst)
event-cancel = Aflys begivenheden
event-reinstate = Gennemfør alligevel
event-add-heading = Tilføj en begivenhed
event-add = Tilføj begivenhed
event-title-label = Begivenhed
event-kind-label = Slags
event-date-label = Dato
event-invites-label = Hvem inviterer
error-event-title-required = Skriv, hvad begivenheden er, først.
event-kind-dialogue-meeting = Dialogmøde
event-kind-enthusiast-workshop = Ildsjæleværksted
event-kind-theme-and-budget-meeting = Tema- og budgetmøde
event-kind-rural-council-annual-meeting = Landdistriktsrådets årsmøde
event-kind-grant-deadline = Ansøgningsfrist
event-kind-plan-presentation = Fremlæggelse af udviklingsplan
event-kind-other = Andet
season-winter = Vinter
season-spring = Forår
season-summer = Sommer
season-autumn = Efterår
month-1 = Januar
month-2 = Februar
month-3 = Marts
month-4 = April
month-5 = Maj
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = December
month-short-1 = jan
month-short-2 = feb
month-short-3 = mar
month-short-4 = apr
month-short-5 = maj
month-short-6 = jun
month-short-7 = jul
month-short-8 = aug
month-short-9 = sep
month-short-10 = okt
month-short-11 = nov
month-short-12 = dec
kroner = { $amount } kr.
grants-heading = Ansøgninger til Landdistriktspuljen
grants-intro = Puljen har fire ansøgningsfrister om året. Egenfinansieringen skal være mindst 25 % af de første 100.000 kr.; frivillige timer tæller med 100 kr. i timen.
grant-status-draft = Kladde
grant-status-endorsed = Påtegnet af lokalrådet
grant-status-submitted = Indsendt
grant-status-granted = Bevilget
grant-status-partly-granted = Delvist bevilget
grant-status-rejected = Afslået
grant-status-reporting-due = Afrapportering mangler
grant-status-closed = Afsluttet
grant-report-overdue = Rapporten er forsinket
grant-new-label = Ny ansøgning – projektets titel
grant-start = Start ansøgningen
error-grant-title-required = Skriv projektets titel først.
grant-missing = Ansøgningen findes ikke på denne enhed.
grant-print-link = Udskriv ansøgningen
grant-project-heading = 1. Projektet
grant-title-label = Titel
grant-description-label = Beskrivelse af projektet
grant-areas-legend = Fokusområder, projektet støtter
grant-goals-legend = Mål i udviklingsplanen, projektet støtter
grant-no-goals = Udviklingsplanen har ingen mål endnu.
grant-budget-heading = 2. Budget
budget-text-label = Udgift
budget-quote-label = Tilbud (fra hvem, dato)
budget-amount-label = Beløb (kr.)
budget-actions = Handlinger
budget-remove = Fjern «{ $line }»
budget-total = Budget i alt
budget-add-heading = Tilføj en budgetlinje
budget-add = Tilføj linje
error-budget-line-required = Skriv, hvad udgiften er til, først.
grant-own-heading = 3. Egenfinansiering
own-cash-label = Kontant egenfinansiering (kr.)
own-hours-label = Frivillige timer
error-own-financing-input = Skriv hele kroner og hele timer, fx 5000 og 40.
rule-budget = Budgettet er på { $budget }; reglen gælder de første 100.000 kr., her { $base }
rule-required = 25 % af det kræver mindst { $required } i egenfinansiering.
rule-own = I har { $cash } kontant + { $hours } { $hours ->
        [one] time
       *[other] timer
    } × 100 kr. = { $hours_value }; i alt { $own }
rule-met = ✓ Kravet om 25 % egenfinansiering er opfyldt.
rule-unmet = ✗ Der mangler { $missing } i egenfinansiering.
grant-round-heading = 4. Ansøgningsrunde
grant-round-label = Ansøgningsfrist
grant-round-option = Frist { $date }
grant-endorse-heading = 5. Lokalrådets påtegning og indsendelse
grant-endorsed-by = Påtegnet af { $by } for lokalrådet den { $date }.
endorse-by-label = Påtegnet af (navn, for lokalrådet)
endorse-on-label = Dato for påtegningen
endorse = Registrér påtegningen
error-endorsed-by-required = Skriv, hvem der har påtegnet for lokalrådet.
endorse-withdraw = Træk påtegningen tilbage
grant-submit = Markér som indsendt
grant-submit-needs-endorsement = Lokalrådet skal påtegne ansøgningen, før den kan indsendes.
grant-submit-needs-rule = Egenfinansieringen skal opfylde 25 %-kravet, før ansøgningen kan indsendes.
grant-submit-ready = Ansøgningen er klar til at blive indsendt.
grant-decision-heading = 6. Afgørelse og afrapportering
decision-outcome-label = Afgørelse
decision-amount-label = Bevilget beløb (kr.)
decision-on-label = Dato for afgørelsen
decision-record = Registrér afgørelsen
grant-granted-amount = Bevilget: { $amount }
grant-valid-until = Bevillingen gælder til { $date }.
grant-report-due = Evaluering, regnskab og dokumentation skal sendes senest { $date }.
project-end-label = Projektets afslutning
grant-mark-reporting = Projektet er slut – afrapportering mangler
grant-close = Afslut ansøgningen
grant-print-back = Tilbage til ansøgningen
grant-print-title = Ansøgning til Landdistriktspuljen: { $title }
grant-print-applicant = Ansøger: { $name }
error-not-endorsed = Lokalrådet skal påtegne ansøgningen, før den kan indsendes.
error-own-financing-too-low = Egenfinansieringen er { $own } kr., men mindst { $required } kr. kræves.
error-not-a-draft = Ansøgningen kan kun ændres, mens den er en kladde.
error-negative = Beløb kan ikke være negative.
error-not-a-member = Kun et medlem kan vælges.
error-last-council = En projektgruppe skal have mindst ét lokalråd bag sig.
error-invalid-transition = Ansøgningen kan ikke gå til den status herfra.
meetings-heading = Møder
meeting-add-heading = Planlæg et møde
meeting-title-label = Mødets titel
meeting-date-label = Dato
meeting-add = Opret mødet
error-meeting-title-required = Skriv mødets titel først.
meeting-missing = Mødet findes ikke på denne enhed.
agenda-heading = Dagsorden
agenda-label = Dagsordenen (gemmes, mens du skriver)
minutes-heading = Referat
minutes-label = Referatet – skriv under mødet, også uden net (gemmes, mens du skriver)
attendance-heading = Fremmøde
attendance-legend = Til stede
attendance-count = { $present } af { $members } { $members ->
        [one] medlem
       *[other] medlemmer
    } er til stede.
decisions-heading = Beslutninger
decision-add-heading = Tilføj en beslutning
decision-text-label = Beslutning
decision-add = Tilføj beslutning
error-decision-required = Skriv beslutningen først.
decision-to-action = Gør «{ $decision }» til en handling i planen
decision-to-task = Gør «{ $decision }» til en opgave i planen
decision-became-action = Står i handlingsplanen.
decision-became-task = Står på opgavelisten.
desk-heading = Konsulentens overblik
desk-intro = Lokalrådene på denne enhed mod politikkens fokusområder: mål, handlinger og de grupper, der arbejder med dem.
desk-empty = Der er ingen lokalråd på denne enhed endnu. Få deres delingslinks, så ser du dem her.
desk-cell = { $goals } mål · { $actions } { $actions ->
        [one] handling
       *[other] handlinger
    }
desk-propose = Gruppen { $group } arbejder allerede med dette.
desk-invite = Invitér { $council } ind i { $group }
merge-heading = Læg to grupper sammen
merge-intro = To grupper på samme fokusområde kan blive til én. Medlemmer, opgaver, milepæle og historik bevares; du ser resultatet, før noget ændres.
merge-survivor-label = Gruppen, der fortsætter
merge-absorbed-label = Gruppen, der lægges ind i den
merge-preview-heading = Sådan bliver det
merge-preview-members = { $added ->
        [one] { $added } nyt medlem
       *[other] { $added } nye medlemmer
    }: { $names }
merge-preview-matched = { $matched } { $matched ->
        [one] medlem
       *[other] medlemmer
    } er allerede med: { $names }
merge-preview-councils = Lokalråd, der kommer med: { $names }
merge-preview-plan = { $milestones } { $milestones ->
        [one] milepæl
       *[other] milepæle
    } og { $tasks } { $tasks ->
        [one] opgave
       *[other] opgaver
    } flyttes med.
merge-do = Læg grupperne sammen
merge-done = Grupperne er lagt sammen i { $group }.
error-merge-same-group = Vælg to forskellige grupper.
error-merge-different-areas = Kun grupper på samme fokusområde kan lægges sammen.
error-merge-already = En af grupperne er allerede lagt sammen med en anden.
error-not-a-copy = Filen har samme id som et rum, du har, men er ikke en kopi af det. Den blev ikke åbnet, og dit rum er uændret.
error-space-full = Rummet er fyldt op: Landsbyplan kan ikke rumme mere i det, så ændringen blev ikke gemt.
error-link-other-copy = Linket hører til en anden kopi af «{ $name }» end den, du har. Den blev ikke åbnet, og din udgave er uændret. Spørg den, der sendte linket, hvor det kommer fra.
error-different-spaces = Filen hører til et andet rum.
import-heading = Importér fra en fil
import-label = Vælg en fil (.landsbyplan) fra et lokalråd eller en gruppe
import-adds = Filen er en kopi af { $name } og tilføjer { $changes } { $changes ->
        [one] ændring
       *[other] ændringer
    } fra { $authors }.
import-new = Filen indeholder { $name }, som ikke findes på denne enhed endnu.
import-do = Læg filen ind
import-done = Filen er lagt ind.
import-open = Åbn den
search-heading = Søg i alt
search-label = Søg i alle lokalråd, grupper og netværket på denne enhed
search-count = { $count } fund
show-more = Vis flere ({ $left } mere)
search-in-name = Navn
search-in-member = Medlem
search-in-vision = Vision
search-in-goal = Mål
search-in-action = Handling
search-in-group-goal = Gruppens mål
search-in-task = Opgave
search-in-meeting = Møde
search-in-minutes = Referat
search-in-application = Ansøgning
feed-heading = Årshjulet i din kalender
feed-intro = Udgiver du årshjulet, kan kalenderprogrammer abonnere på det og holde sig opdateret. Kun årshjulet udgives, som almindelig tekst på relæet (kalenderprogrammer kan ikke læse det krypterede); alle med adressen kan læse det. Du kan trække det tilbage igen.
feed-publish = Udgiv årshjulet som kalender
feed-url-label = Kalenderens adresse
feed-subscribe = Abonnér i din kalender
feed-withdraw = Træk kalenderen tilbage
feed-unknown = Uden net kan appen ikke se, om kalenderen er udgivet.
error-feed-refused = Relæet tog ikke imod kalenderen.
error-feed-offline = Der er ikke forbindelse til relæet; prøv igen, når der er net.
event-council-label = Lokalrådet, det gælder (hvis ét)
event-council-hint = Står et lokalråds fremlæggelse af udviklingsplanen i hjulet, lægges den næste ind fire år efter, når årets faste begivenheder lægges ind.
absorbed-heading = Grupper, der er lagt ind i denne
absorbed-by = Lagt sammen af { $by }, { $time }
absorbed-history = Gruppens historik ({ $count } { $count ->
        [one] ændring
       *[other] ændringer
    })

## Forbind telefoner i rummet (direkte, uden relæ)
connect-heading = Forbind telefoner i rummet
connect-home-intro = Til et møde uden net: to telefoner med samme rum kan dele ændringer direkte, når de er på samme wifi. Den ene viser en kode, den anden tager den ind og viser sit svar.
connect-home-link = Forbind telefoner i rummet
connect-intro = Begge telefoner skal have rummet i forvejen og være på samme wifi. Koden kan kun læses af en telefon, der har rummet.
connect-space-label = Rum
connect-space-choose = Vælg et rum
connect-no-sync = Dette rum deles ikke, så det kan ikke forbindes.
connect-steps-heading = Trin for trin
connect-start-intro = Den ene telefon viser sin kode. Den anden vælger "Jeg har fået en kode".
connect-show-code = Vis min kode
connect-have-code = Jeg har fået en kode
connect-making = Finder telefonens adresser …
connect-offered = 1. Lad den anden telefon scanne koden, eller kopiér teksten og send den. 2. Indsæt svaret, som den anden telefon viser.
connect-code-label = QR-kode til den anden telefon
connect-answer-label = QR-kode med svaret til den første telefon
connect-code-text = Koden som tekst
connect-paste-code = Indsæt koden fra den anden telefon
connect-paste-answer = Indsæt svaret fra den anden telefon
connect-make-answer = Lav mit svar
connect-connect = Forbind
connect-answered = Lad den første telefon scanne dette svar, eller kopiér teksten og send den. Forbindelsen åbner, når den har taget svaret.
connect-connected = Forbundet med { $name }. Ændringer deles direkte, så længe appen er åben.
connect-failed = Det lykkedes ikke: { $reason }
connect-again = Prøv igen
connect-unnamed = En telefon uden navn
connect-peers-heading = Forbundet direkte med
direct-no-webrtc = denne browser kan ikke lave direkte forbindelser
direct-browser-refused = browseren kunne ikke bruge forbindelsen; prøv igen
direct-not-a-code = det er ikke en Landsbyplan-kode
direct-not-this-space = koden hører til et rum, som denne telefon ikke har, eller den er ændret
direct-no-address = telefonen har ingen netværksadresse; slå wifi til og prøv igen
direct-not-an-offer = det er et svar; indsæt den første telefons kode
direct-not-an-answer = det er ikke et svar på denne telefons kode
direct-unreachable = den anden telefon kunne ikke nås direkte; er I på samme wifi?
direct-closed = forbindelsen blev lukket
direct-broken = den anden telefon sendte noget, der ikke kunne læses
direct-silent = den anden telefon svarede ikke
direct-not-proved = den anden telefon kunne ikke vise, at den har rummet
